/**
 * Promises on the loop's timers: `sleep(ms)` and `abortAfter(ms)`. Unlike
 * the host's `setTimeout` and `AbortSignal.timeout`, they fire while an
 * exclusive loop owns the thread, on the loop's clock, never early.
 *
 * @module
 */
import type { LoopCore } from "../core/loop_core.ts";
import { Handler } from "../core/handler.ts";
import { deferred, onAbort, rejecting, signalOf } from "./abort.ts";
import { checkFinite } from "../sys/validate.ts";

/**
 * `loop.sleep(ms)`: resolves once `ms` milliseconds have passed on the
 * loop's clock (a delay <= 0: on the next iteration). The pending timer
 * keeps `run()` going; an abort removes it.
 */
export function sleep(core: LoopCore, ms: number, options: unknown): Promise<void> {
  const action = "Cannot sleep";
  return rejecting(() => {
    checkFinite(ms, "the delay", action);
    const signal = signalOf(options, action);
    core.checkUsable(action);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { promise, resolve, reject } = deferred<void>();
    // deno-lint-ignore prefer-const
    let unsubscribe: () => void;
    const offClose = core.onClose(() => {
      unsubscribe();
      reject(new Error(`${action}: the loop was closed`));
    });
    const fire = () => {
      unsubscribe();
      offClose();
      resolve();
    };
    let timer: Handler;
    if (ms <= 0) {
      timer = new Handler(fire, []);
      core.enqueue(timer);
    } else {
      // The clock is read now: a time cached by the iteration would be old.
      timer = core.schedule(core.poller.now() + ms, fire, []);
    }
    unsubscribe = onAbort(signal, (reason) => {
      timer.cancel();
      offClose();
      reject(reason);
    });
    return promise;
  });
}

/**
 * `loop.abortAfter(ms)`: an AbortSignal the loop aborts with a
 * `DOMException` named `TimeoutError` once `ms` have passed. Its timer does
 * not keep `run()` going (as `AbortSignal.timeout` does not keep the
 * process alive).
 */
export function abortAfter(core: LoopCore, ms: number): AbortSignal {
  const action = "Cannot make a timeout signal";
  checkFinite(ms, "the delay", action);
  core.checkUsable(action);
  const controller = new AbortController();
  core.schedule(
    core.poller.now() + Math.max(0, ms),
    () => {
      controller.abort(new DOMException("The operation timed out.", "TimeoutError"));
    },
    [],
    true,
  );
  return controller.signal;
}
