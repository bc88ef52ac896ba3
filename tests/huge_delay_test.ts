// A finite delay too large for the kernel's timers (1e300 ms) means
// "never": the loop waits without a timeout instead of failing its wait
// (exclusive) or spinning on a wait that failed at once (hosted).
import { EventLoop, IOLoop, type Mode, SystemError } from "@evloop/evloop";
import { assert, assertEquals } from "@std/assert";
import { spawn } from "node:child_process";
import process from "node:process";
import type { LoopCore } from "../src/core/loop_core.ts";
import { FakePoller } from "./_fake_poller.ts";
import { test, within } from "./_harness.ts";

const EINVAL = 22;

const HUGE = 1e300;
/** How long each loop waits on its huge timer. */
const WAIT_MS = 200;

/** Counts the poller's waits (a spinning loop makes thousands). */
function countWaits(core: LoopCore): { readonly count: number } {
  const poller = core.poller;
  const wait = poller.wait.bind(poller);
  const park = poller.park.bind(poller);
  const counter = { count: 0 };
  poller.wait = (out, timeoutMs) => {
    if (timeoutMs !== 0) counter.count++;
    return wait(out, timeoutMs);
  };
  poller.park = (timeoutMs, onReady) => {
    counter.count++;
    park(timeoutMs, onReady);
  };
  return counter;
}

/**
 * Ends the wait after WAIT_MS from outside the loop: a host timer in
 * hosted mode, a signal (from a `kill` process) in exclusive mode, whose
 * blocked thread runs no host timer.
 */
function stopLater(mode: Mode, stop: () => void, onSignal: (cb: () => void) => void): void {
  if (mode === "hosted") {
    setTimeout(stop, WAIT_MS);
    return;
  }
  onSignal(stop);
  spawn("sh", ["-c", `sleep ${WAIT_MS / 1000}; kill -USR2 ${process.pid}`], { stdio: "ignore" });
}

for (const mode of ["hosted", "exclusive"] as Mode[]) {
  test(`EventLoop.callLater(1e300) in ${mode} mode waits without spinning or failing`, async () => {
    using loop = new EventLoop({ mode });
    const waits = countWaits(loop._core);
    let fired = false;
    loop.callLater(HUGE, () => fired = true);
    stopLater(mode, () => loop.stop(), (cb) => loop.addSignalHandler("SIGUSR2", cb));
    await within(loop.runForever(), 10_000, "the loop to stop");
    assertEquals(fired, false);
    // One wait for the stop, a few for host turns: never a busy loop.
    assert(waits.count <= 10, `${waits.count} waits in ${WAIT_MS} ms`);
  });

  test(`EventLoop.callAt(time() + 1e300) in ${mode} mode keeps run() waiting`, async () => {
    using loop = new EventLoop({ mode });
    const waits = countWaits(loop._core);
    loop.callAt(loop.time() + HUGE, () => {});
    stopLater(mode, () => loop.stop(), (cb) => loop.addSignalHandler("SIGUSR2", cb));
    // The timer keeps run() alive; only the stop ends it.
    await within(loop.run(), 10_000, "the loop to stop");
    assert(waits.count <= 10, `${waits.count} waits in ${WAIT_MS} ms`);
  });

  test(`IOLoop.addTimeout(Date.now() + 1e300) and setInterval(1e300) in ${mode} mode wait`, async () => {
    const loop = new IOLoop({ mode });
    try {
      const waits = countWaits(loop._core);
      let fired = 0;
      loop.addTimeout(Date.now() + HUGE, () => fired++);
      loop.setInterval(HUGE, () => fired++);
      stopLater(mode, () => loop.stop(), (cb) => loop.addSignalHandler("SIGUSR2", cb));
      await within(loop.start(), 10_000, "the loop to stop");
      assertEquals(fired, 0);
      assert(waits.count <= 10, `${waits.count} waits in ${WAIT_MS} ms`);
    } finally {
      loop.close();
    }
  });
}

for (const mode of ["hosted", "exclusive"] as Mode[]) {
  test(`EventLoop.run() in ${mode} mode rejects when the wait fails, never takes it as readiness`, async () => {
    const poller = new FakePoller(0);
    // A wait that fails at once (EINVAL): before, the hosted loop polled,
    // found nothing and parked again for ever.
    poller.wait = (_out, timeoutMs) => timeoutMs === 0 ? 0 : -EINVAL;
    poller.park = (_timeoutMs, onReady) => queueMicrotask(() => onReady(-EINVAL));
    using loop = new EventLoop({ mode, poller });
    loop.callLater(10, () => {});
    const error = await within(
      loop.run().then(() => undefined, (e) => e),
      10_000,
      "the loop to fail",
    );
    assert(error instanceof SystemError, String(error));
    assertEquals(error.code, "EINVAL");
    assertEquals(
      error.message,
      "Cannot wait for events: the poller failed: Invalid argument (EINVAL)",
    );
  });
}
