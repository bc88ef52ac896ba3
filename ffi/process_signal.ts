/**
 * `Binding.holdSignal` for the runtimes whose process signals are
 * `process.on` listeners (Bun, Node): each installs its own handler when a
 * signal gets its first listener, over whatever is there and without
 * chaining to it, and sets the default action when the last one goes. A
 * listener added while evloop listens makes that happen now, under
 * evloop's handler (src/signals/runtime_signals.ts). Both deliver process
 * signals to the main thread only: a Worker has nothing to hold.
 *
 * @module
 */
import { constants } from "node:os";

/** The signal names Node's API (and so Bun's `process.on`) knows. */
const osSignals: Record<string, number> = constants.signals;

/** The part of `process` a hold needs. */
export interface SignalProcess {
  on(event: string, listener: () => void): void;
  off(event: string, listener: () => void): void;
}

/**
 * Adds `listener` for signal `name` on the main thread; returns what
 * removes it, or undefined in a Worker or for a name the runtime does not
 * know.
 */
export function holdProcessSignal(
  proc: SignalProcess,
  isMainThread: boolean,
  name: string,
  listener: () => void,
): (() => void) | undefined {
  if (!isMainThread || !(name in osSignals)) return undefined;
  proc.on(name, listener);
  return () => proc.off(name, listener);
}
