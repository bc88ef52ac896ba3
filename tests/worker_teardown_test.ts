// A Worker terminated while its loop exists (no destroy()/close()): the
// shim closes the loop when the Worker's thread ends, so the process never
// crashes when the dead loop's timer, fd or signal fires later, and the
// loop's slot, fds, waiter thread and signal listeners are released.
import { EventLoop } from "@evloop/evloop";
import { assert, assertEquals } from "@std/assert";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import process from "node:process";
import { lib } from "../ffi/load.ts";
import type { DoomedJob } from "./workers/doomed_worker.ts";
import {
  eventually,
  isDeno,
  newFdsAfterWorkers,
  openFds,
  runtime,
  scriptCommand,
  test,
  within,
} from "./_harness.ts";

/**
 * Workers per variant: 200 in the CI gate (scripts/ci/worker_teardown.sh),
 * 40 in `npm test`, 10 under Node there: each Node Worker loads the
 * TypeScript sources afresh (type stripping), so 40 cost Node's suite
 * about 45 s of its 5-minute budget; the gate runs the 200 under Node too.
 */
const WORKERS = Number(process.env.EVLOOP_TEARDOWN_WORKERS ?? (runtime === "node" ? 10 : 40));
/** Workers alive at once. */
const BATCH = 10;
/**
 * The dead loops' timers fire this long after they were set: after their
 * Workers' threads ended (a few ms after terminate(), well within this).
 */
const TIMER_MS = 1_500;
const URL_ = new URL("./workers/doomed_worker.ts", import.meta.url).href;

function threadCount(): number {
  return readdirSync("/proc/self/task").length;
}

/** Starts a Worker on `job`; resolves with its pipe once its loop waits. */
function doomed(job: DoomedJob): Promise<{ worker: Worker; r: number; w: number }> {
  const worker = new Worker(URL_, { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent) => {
      if (e.data.loaded) worker.postMessage(job);
      else resolve({ worker, r: e.data.r, w: e.data.w });
    };
    worker.onerror = (e: ErrorEvent) => reject(new Error(`worker failed: ${e.message}`));
  });
}

for (const variant of ["hosted", "exclusive", "ioloop", "signal"] as const) {
  test(`Worker.terminate() with a waiting ${variant} loop: no crash; slot, fds, threads released`, async () => {
    // A loop of this thread listens to SIGUSR2 too: it must keep getting it
    // after the Workers' listeners are gone (and keeps the signal from
    // killing the process).
    using main = new EventLoop();
    let signals = 0;
    main.addSignalHandler("SIGUSR2", () => {
      signals++;
      main.stop();
    });
    const loops = lib.el_loop_count();
    // The runtimes start some threads of their own with the first Workers:
    // the baseline is taken after one came and went.
    const first = await doomed({ variant, timerMs: TIMER_MS });
    first.worker.terminate();
    await eventually(() => lib.el_loop_count(), (n) => n === loops, 5_000);
    lib.el_fd_close(first.r);
    lib.el_fd_close(first.w);
    const fds = openFds();
    const threads = threadCount();
    const pipes: number[] = [];
    for (let done = 0; done < WORKERS; done += BATCH) {
      const batch = Array.from(
        { length: Math.min(BATCH, WORKERS - done) },
        () => doomed({ variant, timerMs: TIMER_MS }),
      );
      for (const { worker, r, w } of await within(Promise.all(batch), 30_000, "Workers")) {
        worker.terminate();
        pipes.push(r, w);
      }
    }
    const terminated = Date.now();
    // The loops go with their threads. An exclusive loop blocks its thread
    // in the kernel, where Deno cannot stop it: under Deno that one goes at
    // its next wake-up (the events below), not within the second. Bun's
    // termination interrupts the wait.
    if (variant !== "exclusive" || !isDeno) {
      const left = await eventually(() => lib.el_loop_count(), (n) => n === loops, 5_000);
      assertEquals(left, loops, "loops of terminated Workers");
      console.log(
        `${variant}: ${WORKERS} loops released ${Date.now() - terminated} ms after terminate()`,
      );
    }
    // Now every dead loop's fd, timer and signal fires.
    for (let i = 1; i < pipes.length; i += 2) lib.el_fd_write(pipes[i], new Uint8Array(1), 1);
    process.kill(process.pid, "SIGUSR2");
    await within(main.runForever(), 10_000, "SIGUSR2 on this thread's loop");
    assertEquals(signals, 1);
    await new Promise((resolve) => setTimeout(resolve, TIMER_MS));
    for (const fd of pipes) lib.el_fd_close(fd);
    assertEquals(
      await eventually(() => lib.el_loop_count(), (n) => n === loops, 5_000),
      loops,
      "loops after their events",
    );
    const leftFds = await eventually(() => newFdsAfterWorkers(fds), (f) => f.length === 0, 5_000);
    assertEquals(leftFds, []);
    // Each leaked loop kept a thread (Bun's waiter, Deno's blocking call);
    // the runtimes' own pools may keep one or two more for a while.
    const leftThreads = await eventually(threadCount, (n) => n <= threads + 2, 10_000);
    assert(leftThreads <= threads + 2, `threads: ${threads} before, ${leftThreads} after`);
    console.log(
      `${variant}: ${WORKERS} Workers terminated; loops ${loops} -> ${lib.el_loop_count()}, ` +
        `fds ${fds.length} -> ${openFds().length}, threads ${threads} -> ${leftThreads}`,
    );
  });
}

const RACE_URL = new URL("./workers/teardown_race_worker.ts", import.meta.url).href;

test("Worker.terminate() as its hosted loop's timer fires during the Worker's teardown: no crash", async () => {
  // Before, under Bun, the waiter thread called the Worker's callback that
  // Bun had freed with its VM (SIGSEGV in 3 runs of 3 at 200 Workers).
  const loops = lib.el_loop_count();
  const fds = openFds();
  for (let done = 0; done < WORKERS; done += BATCH) {
    await within(
      Promise.all(
        Array.from(
          { length: Math.min(BATCH, WORKERS - done) },
          (_, i) =>
            new Promise<void>((resolve, reject) => {
              const worker = new Worker(RACE_URL, { type: "module" });
              worker.onmessage = (e: MessageEvent) => {
                // Delays of 0 to 29 ms: terminate() to thread exit takes a few.
                if (e.data.loaded) {
                  worker.postMessage({ delayMs: (done + i) % 30 });
                } else {
                  worker.terminate();
                  resolve();
                }
              };
              worker.onerror = (e: ErrorEvent) => reject(new Error(`worker failed: ${e.message}`));
            }),
        ),
      ),
      30_000,
      "Workers",
    );
  }
  assertEquals(await eventually(() => lib.el_loop_count(), (n) => n === loops, 5_000), loops);
  const leftFds = await eventually(() => newFdsAfterWorkers(fds), (f) => f.length === 0, 5_000);
  assertEquals(leftFds, []);
});

test("Worker.terminate() when only Workers loaded the shim: the library stays mapped, no crash", () => {
  const main = new URL("./fixtures/terminate_unloaded.ts", import.meta.url).pathname;
  const r = spawnSync(...scriptCommand(main), { encoding: "utf8", timeout: 60_000 });
  assertEquals({ status: r.status, signal: r.signal }, { status: 0, signal: null }, r.stderr);
  assertEquals(r.stdout.trim(), "survived");
});
