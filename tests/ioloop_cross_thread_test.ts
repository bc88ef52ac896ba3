// IOLoop's cross-thread entry: turbo's add_callback was not thread-safe;
// exposed functions posted through RemoteLoop are.
import { IOLoop, RemoteLoop } from "@evloop/evloop";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { lib } from "../ffi/load.ts";
import { test, within } from "./_harness.ts";
import { TestWorker } from "./_test_worker.ts";

test("IOLoop.expose() runs a function posted through its threadHandle() on the loop", async () => {
  const loop = new IOLoop();
  const got: unknown[] = [];
  loop.expose("add", (a: number, b: { x: string }) => {
    got.push(a, b.x);
    loop.close();
  });
  assert(RemoteLoop.from(loop.threadHandle()).callFromThread("add", 2, { x: "y" }));
  await within(loop.start(), 10_000, "the posted call");
  assertEquals(got, [2, "y"]);
});

for (const mode of ["hosted", "exclusive"] as const) {
  test(`IOLoop: a Worker's RemoteLoop post wakes an idle loop and runs in order (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const got: number[] = [];
    loop.expose("n", (n: number) => {
      got.push(n);
      if (got.length === 3) loop.close();
    });
    const worker = await TestWorker.start();
    try {
      const handle = loop.threadHandle();
      // All jobs go out before the loop starts: an exclusive loop blocked in
      // the kernel does not take host messages (the Worker's replies), so
      // waiting for each reply between posts could wait for ever.
      for (const n of [1, 2, 3]) {
        worker.send({ scenario: "post-once", handle, name: "n", args: [n] });
      }
      await within(loop.start(), 30_000, "the three calls");
      for (let i = 0; i < 3; i++) {
        assert((await within(worker.next(), 30_000, "the Worker's reply")).ok);
      }
      assertEquals(got, [1, 2, 3]);
    } finally {
      worker.terminate();
    }
  });
}

test("IOLoop: posting to a closed IOLoop fails with a clear error", () => {
  const loop = new IOLoop();
  const handle = loop.threadHandle();
  loop.close();
  let message = "";
  try {
    RemoteLoop.from(handle).callFromThread("x");
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.includes("destroyed") || message.includes("closed"), message);
});

test("IOLoop({ inboxLimit }) that is refused closes the loop it opened", () => {
  const loops = lib.el_loop_count();
  assertThrows(
    () => new IOLoop({ inboxLimit: { messages: 0 } }),
    RangeError,
    "messages must be an integer",
  );
  assertEquals(lib.el_loop_count(), loops);
});
