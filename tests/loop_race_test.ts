// Loops opened and closed on several threads at once: a slot is reused
// only after its teardown is complete, so a closer never closes the fds
// of the loop that took its slot (natively and from Workers).
import type { Mode } from "@evloop/evloop";
import { assertEquals } from "@std/assert";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lib, libraryPath } from "../ffi/load.ts";
import { eventually, newFdsAfterWorkers, openFds, test, within } from "./_harness.ts";

const RACE = libraryPath.replace(/libevloop\.(so|dylib)$/, "evloop_test_loop_race");

test("el_loop_open/el_poller_wait/el_loop_close on 4 native threads: no EBADF, no fd leaked", () => {
  if (!existsSync(RACE)) throw new Error(`${RACE} is missing: build with \`npm run build\``);
  const r = spawnSync(RACE, ["2000"], { encoding: "utf8", timeout: 60_000 });
  assertEquals(r.status, 0, `${r.stdout}${r.stderr}`);
  assertEquals(r.stdout.includes("all ok"), true, r.stdout);
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
