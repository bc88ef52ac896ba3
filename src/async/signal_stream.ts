/**
 * `loop.signals(sig)`: the arrivals of a signal as an async iterator, each
 * with its siginfo, in order. Arrivals are buffered between reads; the
 * buffer is bounded, and arrivals past its end are not dropped silently:
 * one record with `code: SIGNAL_LOST_CODE` stands in their place (as the
 * shim does when its own queue overflows).
 *
 * @module
 */
import type { LoopCore } from "../core/loop_core.ts";
import { onAbort, signalOf } from "./abort.ts";
import {
  SIGNAL_LOST_CODE,
  type SignalInfo,
  SignalRegistry,
  type SignalWatch,
} from "../signals/registry.ts";
import { describe } from "../sys/validate.ts";
import { catchableSignal } from "../signals/names.ts";

/** Options for `loop.signals()`. */
export interface SignalsOptions {
  /**
   * Ends the iteration: a pending `next()` rejects with `signal.reason`,
   * later ones are done, and the handler is removed.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * How many arrivals wait for the reader at most; past it, one
   * `SIGNAL_LOST_CODE` record stands for those that did not fit.
   *
   * @default {1024}
   */
  bufferSize?: number;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

interface Reader {
  resolve(result: IteratorResult<SignalInfo>): void;
  reject(reason: unknown): void;
}

/**
 * What `loop.signals()` returns: an async iterator of arrivals whose
 * `return()` (called by `break`) and `[Symbol.dispose]` (for `using`) end
 * the iteration and remove the handler.
 *
 * @example Taking three arrivals
 * ```ts
 * import { EventLoop, type SignalInfo } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 * import process from "node:process";
 *
 * using loop = new EventLoop();
 * const running = loop.run();
 * const seen: SignalInfo[] = [];
 * using arrivals = loop.signals("SIGUSR2");
 * for (let i = 0; i < 3; i++) {
 *   process.kill(process.pid, "SIGUSR2");
 *   seen.push((await arrivals.next()).value!);
 * }
 * await arrivals.return();
 * await running;
 * assertEquals(seen.length, 3);
 * ```
 */
export interface SignalIterator extends AsyncIterableIterator<SignalInfo>, Disposable {
  /** The next arrival (waits for one; done once the iteration ended). */
  next(): Promise<IteratorResult<SignalInfo>>;
  /** Ends the iteration and removes the handler. */
  return(): Promise<IteratorResult<SignalInfo>>;
}

/** The queue behind a `SignalIterator`. */
class SignalQueue implements SignalIterator, SignalWatch {
  /** Beside the handlers: `removeSignalHandler` leaves it. */
  readonly standalone = true;
  #core: LoopCore;
  #signo: number;
  #capacity: number;
  #buffer: SignalInfo[] = [];
  #head = 0;
  #readers: Reader[] = [];
  #done = false;
  #unsubscribe: () => void = () => {};
  /** An abort's reason, for the first next() after it when none waited. */
  #reason: unknown = undefined;

  constructor(core: LoopCore, signo: number, capacity: number) {
    this.#core = core;
    this.#signo = signo;
    this.#capacity = capacity;
  }

  start(signal: AbortSignal | undefined): void {
    SignalRegistry.of(this.#core).add(this.#signo, this);
    this.#unsubscribe = onAbort(signal, (reason) => this.#finish(reason));
  }

  /** Ends without a handler: the first next() rejects with `reason`. */
  abort(reason: unknown): void {
    this.#finish(reason, false);
  }

  deliver(info: SignalInfo): void {
    if (this.#done) return;
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      this.#core.release();
      reader.resolve({ done: false, value: info });
      return;
    }
    const queued = this.#buffer.length - this.#head;
    if (queued < this.#capacity) {
      this.#buffer.push(info);
    } else if (this.#buffer[this.#buffer.length - 1].code !== SIGNAL_LOST_CODE) {
      this.#buffer.push({ signo: info.signo, code: SIGNAL_LOST_CODE, pid: 0, uid: 0 });
    }
  }

  drop(): void {
    // The registry let it go: the loop closed.
    this.#finish(undefined, false);
  }

  next(): Promise<IteratorResult<SignalInfo>> {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head++];
      if (this.#head === this.#buffer.length) {
        this.#buffer.length = 0;
        this.#head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.#done) {
      const reason = this.#reason;
      if (reason === undefined) return Promise.resolve(DONE);
      this.#reason = undefined;
      return Promise.reject(reason);
    }
    return new Promise((resolve, reject) => {
      // A reader waiting for the next arrival keeps run() going.
      this.#core.hold();
      this.#readers.push({ resolve, reject });
    });
  }

  return(): Promise<IteratorResult<SignalInfo>> {
    this.#finish(undefined);
    this.#reason = undefined;
    this.#buffer.length = 0;
    this.#head = 0;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): SignalIterator {
    return this;
  }

  /** Ends the iteration (for `using`): as `return()`. */
  [Symbol.dispose](): void {
    this.#finish(undefined);
  }

  /** Removes the handler; pending readers reject with `reason`, or are done. */
  #finish(reason: unknown, unregister = true): void {
    if (this.#done) return;
    this.#done = true;
    this.#unsubscribe();
    if (unregister && !this.#core.closed) {
      SignalRegistry.of(this.#core).remove(this.#signo, this);
    }
    const readers = this.#readers.splice(0);
    for (const reader of readers) {
      this.#core.release();
      if (reason === undefined) reader.resolve(DONE);
      else reader.reject(reason);
    }
    // An abort rejects at once: arrivals still buffered are dropped.
    if (reason !== undefined) {
      this.#buffer.length = 0;
      this.#head = 0;
      if (readers.length === 0) this.#reason = reason;
    }
  }
}

/**
 * `loop.signals(sig)`: every arrival of `sig` from now on, with its
 * siginfo, until the iteration ends (`break`, `return()`, abort, or the
 * loop closing).
 */
export function signals(
  core: LoopCore,
  sig: number | string,
  options: unknown,
): SignalIterator {
  const action = "Cannot iterate signals";
  const signo = catchableSignal(sig, action);
  const signal = signalOf(options, action);
  const capacity = (options as SignalsOptions | undefined)?.bufferSize ?? 1024;
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(
      `${action}: bufferSize must be a positive integer, got ${describe(capacity)}`,
    );
  }
  core.checkUsable(action);
  const iterator = new SignalQueue(core, signo, capacity);
  // Already aborted: registers nothing, the first next() rejects.
  if (signal?.aborted) iterator.abort(signal.reason);
  else iterator.start(signal);
  return iterator;
}
