// Loops opened and closed on several threads at once: a slot is reused
// only after its teardown is complete, so a closer never closes the fds
// of the loop that took its slot (natively and from Workers).
import type { Mode } from "@evloop/evloop";
import { assertEquals } from "@std/assert";
import { lib } from "../ffi/load.ts";
import { eventually, newFdsAfterWorkers, openFds, runNative, test, within } from "./_harness.ts";

test("el_loop_open/el_poller_wait/el_loop_close on 4 native threads: no EBADF, no fd leaked", () => {
  runNative("loop_race", "2000");
});

test("el_loop_open: a loop dies with the thread that opened it; a disarmed waker is never called", () => {
  runNative("thread_exit");
});

const CHURN_URL = new URL("./workers/churn_worker.ts", import.meta.url).href;

function churn(mode: Mode, rounds: number): { worker: Worker; done: Promise<string[]> } {
  const worker = new Worker(CHURN_URL, { type: "module" });
  const done = new Promise<string[]>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent) => {
      if (e.data.loaded) worker.postMessage({ mode, rounds });
      else resolve(e.data.errors);
    };
    worker.onerror = (e: ErrorEvent) => reject(new Error(`worker failed: ${e.message}`));
  });
  return { worker, done };
}

for (const mode of ["hosted", "exclusive"] as Mode[]) {
  test(`new EventLoop()/run()/destroy() in 4 Workers at once (${mode}): no error, no leak`, async () => {
    const loops = lib.el_loop_count();
    const before = openFds();
    const workers = [0, 1, 2, 3].map(() => churn(mode, 150));
    try {
      const errors = await within(
        Promise.all(workers.map((w) => w.done)),
        60_000,
        "4 Workers churning loops",
      );
      assertEquals(errors.flat(), []);
    } finally {
      for (const w of workers) w.worker.terminate();
    }
    assertEquals(lib.el_loop_count(), loops);
    // The runtime closes a finished Worker's own fds a little later.
    const left = await eventually(() => newFdsAfterWorkers(before), (f) => f.length === 0, 5_000);
    assertEquals(left, []);
  });
}
