/**
 * The two drivers that run a `LoopCore` inside the host runtime.
 *
 * - `"hosted"`: the host's timers, I/O and promises keep working. Idle, the
 *   loop parks (no CPU, no periodic wake-up) as its runtime allows: on
 *   Deno's blocking pool, on the shim's waiter thread (Bun), in libuv's own
 *   loop (Node; docs/design.md, "How each runtime waits");
 *   busy, it polls with timeout 0 and gives the host a macrotask turn at
 *   least every millisecond, microtask turns in between; a wait under
 *   SPIN_MS is spent in host macrotasks rather than a park.
 * - `"exclusive"`: the loop owns the thread and blocks in the kernel when
 *   idle; just before blocking it lets pending promise chains settle.
 *
 * @module
 */
import { setImmediate } from "node:timers";

/**
 * What a driver needs of the loop it drives (the `LoopCore` is one): the
 * phases of an iteration and the state that ends a run.
 */
export interface Driven {
  /** Whether `stop()` was asked for. */
  readonly stopping: boolean;
  /** Whether the loop was closed. */
  readonly closed: boolean;
  /** Whether anything keeps `run()` going. */
  readonly hasWork: boolean;
  /** The poll timeout: 0, the time to the next timer, or -1 (block). */
  timeout(): number;
  /** Waits up to `timeoutMs`, queues what is ready; the events' count. */
  poll(timeoutMs: number): number;
  /** Waits without blocking the thread (hosted). */
  park(timeoutMs: number): Promise<void>;
  /** Runs the callbacks that were ready (the only place user code runs). */
  runReady(): void;
  /** The loop's monotonic clock, in ms. */
  now(): number;
  /** Whether the clock is real (a virtual one moves only when the loop waits). */
  readonly realTime: boolean;
}

/** How a loop shares the thread with the host runtime. */
export type Mode = "hosted" | "exclusive";

/** The modes, for validation. */
export const MODES: readonly Mode[] = ["hosted", "exclusive"];

/** Resolves after a host macrotask: every queued microtask has run. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Milliseconds a busy hosted loop may keep the host waiting. */
const HOST_TURN_MS = 1;

/**
 * Waits shorter than this (ms) a hosted loop spends in host macrotasks,
 * looking again after each, instead of parking: a park ends on another
 * thread and reaches the loop through the host's event loop, 50-90 µs at
 * the median, where a macrotask takes a few (bench: lateness, hosted).
 */
const SPIN_MS = 0.2;

/**
 * Runs `core` until it is stopping, or (unless `forever`) until nothing
 * keeps it alive.
 */
export async function drive(
  core: Driven,
  mode: Mode,
  forever: boolean,
): Promise<void> {
  const now = () => core.now();
  let lastTurn = now();
  for (;;) {
    if (core.stopping || core.closed) return;
    if (!forever && !core.hasWork) {
      // Promise chains may still schedule work: let them settle first.
      await macrotask();
      if (!core.hasWork || core.stopping || core.closed) return;
    }
    let timeout = core.timeout();
    // Always look without blocking first: it costs one syscall when idle
    // and saves a park (or a settle) whenever something is already ready.
    if (core.poll(0) === 0 && timeout !== 0) {
      if (mode === "hosted" && timeout > 0 && timeout < SPIN_MS && core.realTime) {
        await macrotask();
        if (core.closed) return;
      } else if (mode === "hosted") {
        // The host's turn first: promise chains still settling (a stream's
        // reader, a writer) often make the very event a park would wait
        // for, and a park costs a round trip through another thread.
        await macrotask();
        if (core.stopping || core.closed) return;
        if (core.poll(0) === 0) {
          timeout = core.timeout();
          if (timeout !== 0 && (forever || core.hasWork)) {
            await core.park(timeout);
            if (core.closed) return;
            core.poll(0);
          }
        }
      } else {
        await macrotask();
        if (core.stopping || core.closed) return;
        timeout = core.timeout();
        if (timeout !== 0 && (forever || core.hasWork)) core.poll(timeout);
      }
      lastTurn = now();
    }
    core.runReady();
    if (mode === "hosted" && now() - lastTurn >= HOST_TURN_MS) {
      await macrotask();
      lastTurn = now();
    } else {
      await undefined;
    }
  }
}
