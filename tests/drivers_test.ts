import { EventLoop, IOLoop } from "@evloop/evloop";
import { assert } from "@std/assert";
import { test, within } from "./_harness.ts";

// A hosted park ends in the shim's waker callback; under Deno the waiter
// thread is held until that JS task is over, and closing the poller joins
// it. The drive must resolve outside that task.

test("EventLoop.destroy() right after a hosted runForever() stopped by a timer returns", async () => {
  const loop = new EventLoop();
  loop.callLater(5, () => loop.stop());
  await within(loop.runForever(), 10_000, "runForever()");
  loop.destroy();
  assert(loop.destroyed);
});

test("IOLoop.close() right after a hosted start() stopped by a timeout returns", async () => {
  const loop = new IOLoop();
  loop.addTimeout(Date.now() + 5, () => loop.stop());
  await within(loop.start(), 10_000, "start()");
  loop.close();
  assert(!loop.running());
});
