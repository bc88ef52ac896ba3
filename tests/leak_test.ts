// No fd leak: every fd the shim opens for a loop is closed by destroy().
import { EventLoop, fd } from "@evloop/evloop";
import { assertEquals } from "@std/assert";
import { newFds, openFds, test } from "./_harness.ts";

test("EventLoop.destroy() closes every fd the shim opened: 1000 loops leave no fd behind", () => {
  const before = openFds();
  for (let i = 0; i < 1000; i++) {
    const loop = new EventLoop();
    loop.callLater(5, () => {});
    loop.destroy();
  }
  assertEquals(newFds(before), []);
});

test("EventLoop.destroy() after hosted runs (waiter parked) leaks no fd", async () => {
  const before = openFds();
  for (let i = 0; i < 50; i++) {
    const loop = new EventLoop();
    const [r, w] = fd.pipe();
    loop.addReader(r, () => {
      fd.read(r, new Uint8Array(1));
      loop.removeReader(r);
    });
    loop.callLater(0.5, () => fd.write(w, new Uint8Array(1)));
    await loop.run();
    loop.destroy();
    fd.close(r);
    fd.close(w);
  }
  assertEquals(newFds(before), []);
});
