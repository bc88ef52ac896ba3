// One EventLoop per thread: a Worker without a loop gets a clear error and
// can make its own.
import { assert, assertEquals } from "@std/assert";
import { test, within } from "./_harness.ts";

test("EventLoop.current() in a Worker without a loop throws an error that says to create one", async () => {
  const worker = new Worker(new URL("./workers/no_loop_worker.ts", import.meta.url).href, {
    type: "module",
  });
  try {
    const data = await within(
      new Promise<{ error: string; ran: boolean }>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
      }),
      30_000,
      "the worker's report",
    );
    assert(data.error.includes("create one with new EventLoop()"), data.error);
    assertEquals(data.ran, true);
  } finally {
    worker.terminate();
  }
});
