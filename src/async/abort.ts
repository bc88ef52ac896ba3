import { describe } from "../sys/validate.ts";
/**
 * The abort rules every promise of the modern surface follows: an
 * already-aborted signal rejects at once and registers nothing; an abort
 * rejects with `signal.reason` and removes what was registered; the abort
 * listener goes as soon as the operation settles (a long-lived signal
 * does not collect listeners).
 *
 * @module
 */

/** Options of the functions that can be aborted. */
export interface AbortOptions {
  /**
   * Aborts the operation: the promise rejects with `signal.reason` and what
   * it registered with the loop (a watch, a timer, a signal handler) is
   * removed.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Reads and checks the options' `signal`. */
export function signalOf(options: unknown, action: string): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${action}: the options must be an object, got ${describe(options)}`);
  }
  // An AbortSignal has no `signal` property: taken as options, it would be
  // ignored and the promise would wait for ever.
  if (options instanceof AbortSignal) {
    throw new TypeError(
      `${action}: pass the AbortSignal as { signal } (the options object), got an AbortSignal`,
    );
  }
  const signal = (options as AbortOptions).signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(
      `${action}: options.signal must be an AbortSignal, got ${describe(signal)}`,
    );
  }
  return signal;
}

/** Calls `onAbort(reason)` once `signal` aborts; returns the unsubscribe. */
export function onAbort(
  signal: AbortSignal | undefined,
  onAbort: (reason: unknown) => void,
): () => void {
  if (signal === undefined) return noop;
  const listener = () => onAbort(signal.reason);
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

function noop(): void {}

/** A signal that aborts when either of two does, and what unlinks it. */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Removes the link from both sources (call it once the wait is over). */
  unlink: () => void;
}

/**
 * A signal that aborts, with its reason, when `a` or `b` does. Not
 * `AbortSignal.any`: Deno and Node keep every such signal linked to its
 * sources until they abort, so a long-lived source (a port's closing
 * signal, a watch's) grew by 130 to 330 bytes per wait; this link is
 * removed by `unlink`.
 */
export function eitherSignal(a: AbortSignal, b: AbortSignal | undefined): LinkedSignal {
  if (b === undefined) return { signal: a, unlink: noop };
  const linked = new AbortController();
  if (a.aborted || b.aborted) {
    linked.abort(a.aborted ? a.reason : b.reason);
    return { signal: linked.signal, unlink: noop };
  }
  const abort = (reason: unknown) => linked.abort(reason);
  const offA = onAbort(a, abort);
  const offB = onAbort(b, abort);
  return {
    signal: linked.signal,
    unlink: () => {
      offA();
      offB();
    },
  };
}

/** A promise with its settle functions at hand (Promise.withResolvers). */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/** Makes a `Deferred`. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs `start` and turns what it throws into a rejected promise. */
export function rejecting<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (error) {
    return Promise.reject(error);
  }
}
