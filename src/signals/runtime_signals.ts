/**
 * Keeps the runtime's own signal handling beside evloop's, not over it.
 *
 * Runtimes install their signal handlers lazily, over whatever is there:
 * Deno 2.9 for SIGHUP, SIGINT, SIGTERM and SIGUSR1 about 0.5 s after start
 * (and with no listener of the program's own it restores the default
 * action and raises the signal again: the process ends); Bun at a signal's
 * first `process.on` listener, without chaining to the action it replaces,
 * and it restores the default when the last listener goes. Either would
 * undo evloop's `sigaction` at some moment after start.
 *
 * So, in each thread, while any of its loops listens to a signal, one
 * listener of the runtime's own API is registered (`binding.holdSignal`),
 * and it is registered *before* the shim installs its handler: the
 * runtime's handler goes in first, evloop's over it and chaining to it,
 * and the runtime, which already has its handler and a listener, neither
 * installs again nor ends the process. The program's own listeners then
 * come and go beside it, in either order. Once the loops of this thread
 * stop listening, the shim puts the runtime's handler back and the hold
 * goes: the signal behaves as it would have without evloop.
 *
 * The hold goes only once the runtime has looked at every arrival evloop's
 * handler passed on to it. Deno hands each arrival to a thread of its own,
 * which looks for listeners a moment later: the SIGTERM that stops a
 * service (its loop stops, lets the signal go and the program ends) would
 * find none and be raised again with the default action, exit 143 instead
 * of 0. So a release within `binding.signalSettleMs` of the signal's last
 * arrival (`el_signal_last_arrival`) waits for the rest of that time,
 * keeping the process alive meanwhile.
 *
 * @module
 */
import { binding, lib, shimString } from "../../ffi/load.ts";
import { setTimeout } from "node:timers";

interface Hold {
  /** Loops of this thread that listen. */
  count: number;
  /** Removes the runtime's listener (undefined: the runtime has none). */
  release: (() => void) | undefined;
  /** Resolves once the hold is gone (for tests). */
  gone: Promise<void>;
  resolveGone: () => void;
}

const holds = new Map<number, Hold>();

function noop(): void {}

/**
 * Counts one more loop of this thread that listens to `signo`; the first
 * registers the runtime's listener. Call it before `el_signal_add`.
 */
export function holdRuntimeSignal(signo: number): void {
  const existing = holds.get(signo);
  if (existing !== undefined) {
    existing.count++; // maybe one whose release waits: it stays
    return;
  }
  let resolveGone!: () => void;
  const gone = new Promise<void>((resolve) => resolveGone = resolve);
  const name = shimString((buf, len) => lib.el_signal_name(signo, buf, len));
  const release = name === undefined ? undefined : binding.holdSignal(name, noop);
  holds.set(signo, { count: 1, release, gone, resolveGone });
}

/**
 * Counts one loop fewer; after the last, the runtime's listener goes once
 * the runtime had time to look at the latest arrival (unless a loop
 * listens again meanwhile). Call it after the shim stopped listening
 * (`el_signal_remove`, `el_loop_close`).
 */
export function releaseRuntimeSignal(signo: number): void {
  const hold = holds.get(signo);
  if (hold === undefined || --hold.count > 0) return;
  const settle = () => {
    if (hold.count > 0 || holds.get(signo) !== hold) return;
    holds.delete(signo);
    hold.release?.();
    hold.resolveGone();
  };
  const last = lib.el_signal_last_arrival(signo);
  const wait = last < 0 ? 0 : last + binding.signalSettleMs - lib.el_now_ms();
  if (hold.release === undefined || wait <= 0) settle();
  // Ref'd: the process waits for the runtime rather than meet its default.
  else setTimeout(settle, wait);
}

/**
 * Resolves once this thread holds no runtime listener for `signo` (at
 * once when it holds none): from then on the signal meets what it would
 * have met without evloop.
 */
export function runtimeSignalReleased(signo: number): Promise<void> {
  return holds.get(signo)?.gone ?? Promise.resolve();
}
