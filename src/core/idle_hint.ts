/**
 * The reminder that a loop's promises settle only while it runs: a promise
 * made on a loop that never runs waits for ever, and the runtimes say
 * little (Bun hangs on such a top-level await, Deno calls it "never
 * resolved", Node ends the process before anything is said).
 *
 * @module
 */
import { setTimeout } from "node:timers";

/** How long a promise may wait on a loop not running before the hint. */
export const IDLE_HINT_MS = 1000;

const MESSAGE = "evloop: a promise of a loop that is not running has waited 1 s: it settles " +
  "only while the loop runs (EventLoop: run() or runForever(); IOLoop: start())";

/** Armed hints, until they fire (each at most once). */
const armed = new Set<() => void>();
let listening = false;

/**
 * Says `MESSAGE` once, a second from now or when the process is about to
 * end for want of work (whichever comes first), if `stillWaiting()` then.
 * The timer is unref'd: it keeps nothing alive, yet it fires while a
 * top-level await waits (Deno, Bun); Node ends such a process sooner, at
 * `beforeExit`.
 *
 * @example
 * ```ts
 * import { armIdleHint } from "./idle_hint.ts";
 *
 * armIdleHint(() => false); // the loop ran meanwhile: nothing is said
 * ```
 */
export function armIdleHint(stillWaiting: () => boolean): void {
  const hint = () => {
    if (!armed.delete(hint)) return;
    if (stillWaiting()) console.warn(MESSAGE);
  };
  armed.add(hint);
  setTimeout(hint, IDLE_HINT_MS).unref();
  if (listening) return;
  listening = true;
  // One listener for every hint, not one per loop (runtimes warn past ten).
  (globalThis as { process?: { on?(event: string, fn: () => void): void } }).process?.on?.(
    "beforeExit",
    () => {
      for (const pending of [...armed]) pending();
    },
  );
}
