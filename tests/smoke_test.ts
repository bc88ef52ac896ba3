import { EventLoop, fd } from "@evloop/evloop";
import { assertEquals } from "@std/assert";
import { test } from "./_harness.ts";

test("EventLoop smoke: callSoon, callLater and a reader", async () => {
  using loop = new EventLoop();
  const seen: string[] = [];
  const [r, w] = fd.pipe();
  loop.callSoon(() => seen.push("soon"));
  loop.callLater(2, () => fd.write(w, new Uint8Array([1])));
  loop.addReader(r, () => {
    fd.read(r, new Uint8Array(4));
    seen.push("read");
    loop.removeReader(r);
  });
  await loop.run();
  assertEquals(seen, ["soon", "read"]);
  fd.close(r);
  fd.close(w);
});
