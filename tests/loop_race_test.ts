// Loops opened and closed on several threads at once: a slot is reused
// only after its teardown is complete, so a closer never closes the fds
// of the loop that took its slot (natively and from Workers).
import type { Mode } from "@evloop/evloop";
import { assertEquals } from "@std/assert";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lib, libraryPath } from "../ffi/load.ts";
import { eventually, newFdsAfterWorkers, openFds, test, within } from "./_harness.ts";

/** Runs a native test program of tests/c (built beside the shim). */
function runNative(name: string, ...args: string[]): void {
  const path = libraryPath.replace(/libevloop\.(so|dylib)$/, `evloop_test_${name}`);
  if (!existsSync(path)) throw new Error(`${path} is missing: build with \`npm run build\``);
  const r = spawnSync(path, args, { encoding: "utf8", timeout: 60_000 });
  assertEquals(r.status, 0, `${r.stdout}${r.stderr}`);
  assertEquals(r.stdout.includes("all ok"), true, r.stdout);
}

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
