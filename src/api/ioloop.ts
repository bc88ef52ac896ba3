/**
 * `IOLoop`: turbo's `turbo.ioloop` API (Tornado-like, level-triggered
 * `READ`/`PRI`/`WRITE`/`ERROR` masks) over the shared core.
 *
 * @module
 */
import { ExceptionSink, type FdWatch, type LoopCore } from "../core/loop_core.ts";
import type { Mode } from "../core/drivers.ts";
import { removalError, watchError } from "../sys/errors.ts";
import { SignalCallback, SignalRegistry } from "../signals/registry.ts";
import { type Callback, callbackName, checkCallback, Handler, retire } from "../core/handler.ts";
import type { Poller } from "../core/poller.ts";
import { checkFd, checkFinite, describe } from "../sys/validate.ts";
import type { InboxLimit } from "../threads/inbox.ts";
import { IOEvents } from "../core/io_events.ts";
import { liveWatchOf } from "../async/watch.ts";
import { LoopSurface } from "./loop_surface.ts";
import { catchableSignal, signalNumber } from "../signals/names.ts";

export { type IOEvent, IOEvents } from "../core/io_events.ts";

const ALL_EVENTS = IOEvents.READ | IOEvents.PRI | IOEvents.WRITE | IOEvents.ERROR;

/** Options for {@linkcode IOLoop}. */
export interface IOLoopOptions {
  /**
   * How the loop shares the thread with the host runtime: `"hosted"` keeps
   * the host's timers, I/O and promises working while it runs;
   * `"exclusive"` owns the thread and blocks in the kernel when idle (run
   * at most one exclusive loop per thread at a time).
   *
   * @default {"hosted"}
   */
  mode?: Mode;
  /**
   * The poller to drive, for tests on virtual time.
   *
   * @default {a new poller of the shim}
   */
  poller?: Poller;
  /**
   * Bounds the cross-thread inbox (see `EventLoopOptions.inboxLimit`).
   *
   * @default {{ messages: 65536, bytes: 16777216 }}
   */
  inboxLimit?: InboxLimit;
}

/**
 * What failed, as told to the exception handler:
 * - `"handler"`: an fd handler threw (it was removed);
 * - `"callback"`: a callback of `addCallback` or `instance(fn)` threw;
 * - `"timeout"`, `"interval"`: a timeout or interval function threw;
 * - `"watch"`: the kernel refused an fd in `addHandler`/`updateHandler`
 *   (the method returned false; the error is a `SystemError`).
 */
export interface IOLoopErrorSource {
  /** The kind of thing that failed. */
  readonly kind: "handler" | "callback" | "timeout" | "interval" | "watch";
  /** The user function's name ("<anonymous>" when it has none). */
  readonly name: string;
  /** The fd, for `"handler"` and `"watch"`. */
  readonly fd?: number;
  /** The ref, for `"timeout"` and `"interval"`. */
  readonly ref?: number;
}

/** Receives what failed in an IOLoop: the error and where it came from. */
export type IOLoopExceptionHandler = (error: unknown, source: IOLoopErrorSource) => void;

/** Wall-clock steps larger than this re-tie `addTimeout`'s clock conversion. */
const WALL_STEP_MS = 1000;

/** Timeout and interval refs: one counter for the thread, never reused. */
let nextRef = 1;

let defaultLoop: IOLoop | null = null;

function label(source: IOLoopErrorSource): string {
  switch (source.kind) {
    case "handler":
      return `Exception in handler ${source.name} for fd ${source.fd} (removed)`;
    case "callback":
      return `Exception in callback ${source.name}`;
    case "timeout":
    case "interval":
      return `Exception in ${source.kind} ${source.ref} (${source.name})`;
    case "watch":
      return `Cannot watch fd ${source.fd}`;
  }
}

function defaultExceptionHandler(error: unknown, source: IOLoopErrorSource): void {
  console.error(`${label(source)}:`, error);
}

function checkEvents(events: unknown, action: string): asserts events is number {
  if (typeof events !== "number") {
    throw new TypeError(`${action}: events must be a number, got ${describe(events)}`);
  }
  if (!Number.isInteger(events) || events < 0) {
    throw new RangeError(
      `${action}: events must be a mask of READ, PRI, WRITE and ERROR, got ${events}`,
    );
  }
  if (events > ALL_EVENTS || (events & ~ALL_EVENTS) !== 0) {
    throw new RangeError(
      `${action}: events 0x${
        events.toString(16)
      } has unknown bits (use READ, PRI, WRITE and ERROR)`,
    );
  }
}

/** One fd's handler; its interest is the caller's mask plus `ERROR`. */
class HandlerWatch implements FdWatch {
  readonly fd: number;
  interest = 0;
  handler: Handler | null = null;
  /** Bits the poller reported since the handler last ran. */
  pending = 0;

  constructor(fd: number) {
    this.fd = fd;
  }

  dispatch(events: number, core: LoopCore): void {
    if (this.handler === null) return;
    // Only the kinds asked for (plus ERROR): READ-only never sees WRITE.
    const bits = events & this.interest;
    if (bits === 0) return;
    if (this.pending === 0) core.enqueue(this.handler);
    this.pending |= bits;
  }

  /** The pending bits still wanted (the mask may have changed since). */
  take(): number {
    const bits = this.pending & this.interest;
    this.pending = 0;
    return bits;
  }

  drop(): void {
    if (this.handler !== null) retire(this.handler);
    this.handler = null;
    this.pending = 0;
  }
}

interface Interval {
  readonly start: number;
  readonly period: number;
  timer: Handler | null;
}

/**
 * A level-triggered I/O loop with timeouts and intervals, with turbo's API
 * (`turbo.ioloop.IOLoop`). Several may exist in one thread, next to an
 * `EventLoop`; each has its own poller.
 *
 * Functions get their optional argument first when one was given: an
 * argument counts as given when it is not `undefined` (`null`, `0` and
 * `false` are given), so `addHandler(fd, READ, h)` calls `h(fd, events)`
 * and `addHandler(fd, READ, h, conn)` calls `h(conn, fd, events)`.
 *
 * @example Echo one message on a socketpair
 * ```ts
 * import { fd, IOLoop } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const loop = new IOLoop();
 * const [a, b] = fd.socketpair();
 * const got: number[] = [];
 * loop.addHandler(b, IOLoop.READ, (fd_, events) => {
 *   const buf = new Uint8Array(4);
 *   got.push(fd.read(fd_, buf) ?? 0, events & IOLoop.READ);
 *   loop.close();
 * });
 * loop.addCallback(() => fd.write(a, new Uint8Array([1, 2])));
 * await loop.start();
 * assertEquals(got, [2, IOLoop.READ]);
 * fd.close(a);
 * fd.close(b);
 * ```
 */
export class IOLoop extends LoopSurface {
  /** Readable (0x001). */
  static readonly READ: typeof IOEvents.READ = IOEvents.READ;
  /** Urgent (out-of-band) data (0x002). */
  static readonly PRI: typeof IOEvents.PRI = IOEvents.PRI;
  /** Writable (0x004). */
  static readonly WRITE: typeof IOEvents.WRITE = IOEvents.WRITE;
  /** Error or hang-up (0x018); always watched. */
  static readonly ERROR: typeof IOEvents.ERROR = IOEvents.ERROR;

  #core: LoopCore;
  #exceptions = new ExceptionSink<IOLoopErrorSource>(defaultExceptionHandler);
  #sources = new WeakMap<Handler, IOLoopErrorSource>();
  #timeouts = new Map<number, Handler>();
  #intervals = new Map<number, Interval>();
  /** `Date.now()` minus the poller's clock, for `addTimeout`. */
  #wallOffset: number;

  /**
   * Creates a loop (not the default instance: see `IOLoop.instance()`).
   *
   * @example Two loops are separate
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const a = new IOLoop();
   * const b = new IOLoop({ mode: "exclusive" });
   * assert(a !== b && !a.running());
   * a.close();
   * b.close();
   * ```
   *
   * @param options The mode (default `"hosted"`) and, for tests, a poller.
   * @throws {RangeError} For an unknown mode.
   */
  constructor(options: IOLoopOptions = {}) {
    super({ what: "an IOLoop", closedAs: "closed", options });
    this.#core = this._core;
    this.#core.onClose(() => {
      this.#timeouts.clear();
      this.#intervals.clear();
    });
    this.#wallOffset = Date.now() - this.#core.now();
  }

  /**
   * The thread's default loop, created (in hosted mode) when there is none
   * or the previous one was closed. With `fn`, also calls `fn(loop)` on the
   * loop's next iteration.
   *
   * @example The same loop each time
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = IOLoop.instance();
   * assert(IOLoop.instance() === loop);
   * loop.close();
   * assert(IOLoop.instance() !== loop);
   * IOLoop.instance().close();
   * ```
   *
   * @param fn Called with the loop on its next iteration.
   * @returns The default loop.
   * @throws {TypeError} If `fn` is given and is not a function.
   */
  static instance(fn?: (loop: IOLoop) => unknown): IOLoop {
    if (fn !== undefined) checkCallback(fn, "Cannot get the IOLoop instance");
    defaultLoop ??= new IOLoop();
    if (fn !== undefined) defaultLoop.addCallback(fn, defaultLoop);
    return defaultLoop;
  }

  /** @internal The core, for the signal and cross-thread layers. */
  /**
   * Turbo's rule: a failed handler is reported and removed, a failed
   * callback only reported.
   */
  protected override failed(error: unknown, handler: Handler): void {
    const source = this.#sources.get(handler) ??
      { kind: "callback", name: handler.callbackName };
    if (source.kind === "handler") {
      // Turbo removes a handler that throws: it is most likely broken. A
      // handler that was replaced meanwhile is left alone.
      const watch = this.#core.watchOf(source.fd!);
      if (watch instanceof HandlerWatch && watch.handler === handler) this.#unwatch(watch);
    }
    this.#exceptions.report(error, source);
  }

  /**
   * Replaces the function that receives what fails in this loop: functions
   * that throw (or whose promise rejects) and fds the kernel refuses.
   * Default: `console.error`. `null` restores the default.
   *
   * @example Collecting errors
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const kinds: string[] = [];
   * loop.setExceptionHandler((_error, source) => kinds.push(source.kind));
   * loop.addCallback(() => { throw new Error("boom"); });
   * loop.addCallback(() => loop.close());
   * await loop.start();
   * assertEquals(kinds, ["callback"]);
   * ```
   *
   * @param handler The new handler, or null.
   * @throws {TypeError} If handler is neither a function nor null.
   */
  setExceptionHandler(handler: IOLoopExceptionHandler | null): void {
    this.#exceptions.set(handler);
  }

  // ---- fd handlers -----------------------------------------------------

  /**
   * Calls `handler(fd, events)`, or `handler(arg, fd, events)` when `arg`
   * is given, whenever `fd` is ready for one of `events` (level-triggered:
   * again on every iteration while the condition lasts). `ERROR` is always
   * added to the mask; `events` may carry ERROR bits that were not asked
   * for, never other kinds. A handler that throws is reported and removed;
   * one whose promise rejects is removed when the rejection arrives (it
   * may have run again meanwhile). The fd should be non-blocking.
   *
   * @example A second handler is refused
   * ```ts
   * import { fd, IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const [r, w] = fd.pipe();
   * assert(loop.addHandler(r, IOLoop.READ, () => {}));
   * assert(!loop.addHandler(r, IOLoop.READ, () => {}));
   * loop.close();
   * fd.close(r);
   * fd.close(w);
   * ```
   *
   * @param fd The fd to watch.
   * @param events A mask of `READ`, `PRI`, `WRITE` and `ERROR`.
   * @param handler The function to call.
   * @param arg Passed first to `handler` unless `undefined`.
   * @returns Whether the handler was added: false if `fd` already has one
   * (the first stays), or if the kernel refused it (the `SystemError`, e.g.
   * EBADF, goes to the exception handler).
   * @throws {TypeError} If `fd` or `events` is not a number, or `handler`
   * is not a function.
   * @throws {RangeError} For a negative fd or unknown event bits.
   * @throws {Error} If the loop is closed.
   */
  addHandler(fd: number, events: number, handler: (fd: number, events: number) => unknown): boolean;
  /** With `arg`: calls `handler(arg, fd, events)`. */
  addHandler<T>(
    fd: number,
    events: number,
    handler: (arg: T, fd: number, events: number) => unknown,
    arg: T,
  ): boolean;
  addHandler(fd: number, events: number, handler: Callback, arg?: unknown): boolean {
    const action = `Cannot add handler for fd ${fd}`;
    this.checkOpen(action);
    checkFd(fd, action);
    checkEvents(events, action);
    checkCallback(handler, action);
    const core = this.#core;
    // A handler whose fd was closed behind the loop's back (its number
    // maybe reused) is dropped, and so are settled readable() waits; a live
    // one stays (turbo: false).
    if (liveWatchOf(core, fd) !== undefined) return false;
    const watch = new HandlerWatch(fd);
    const call = arg === undefined
      ? () => {
        const bits = watch.take();
        if (bits !== 0) return handler(fd, bits);
      }
      : () => {
        const bits = watch.take();
        if (bits !== 0) return handler(arg, fd, bits);
      };
    watch.handler = new Handler(call, []);
    this.#sources.set(watch.handler, { kind: "handler", name: callbackName(handler), fd });
    const result = core.setInterest(watch, events | IOEvents.ERROR);
    if (result < 0) {
      watch.drop();
      this.#exceptions.report(watchError(-result, action, fd), {
        kind: "watch",
        name: callbackName(handler),
        fd,
      });
      return false;
    }
    return true;
  }

  /**
   * Changes which events `fd`'s handler is called for (`ERROR` is always
   * added). Events already reported but not yet handled are filtered by
   * the new mask. The registration is renewed even for an unchanged mask:
   * if `fd` was closed behind the loop's back and its number reused, the
   * handler follows the file the number now names.
   *
   * @example From READ to WRITE
   * ```ts
   * import { fd, IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const [a, b] = fd.socketpair();
   * assert(!loop.updateHandler(a, IOLoop.WRITE)); // no handler yet
   * loop.addHandler(a, IOLoop.READ, () => {});
   * assert(loop.updateHandler(a, IOLoop.WRITE));
   * loop.close();
   * fd.close(a);
   * fd.close(b);
   * ```
   *
   * @returns Whether it was updated: false for an fd without a handler,
   * or if the kernel refused (the `SystemError` goes to the exception
   * handler; the old mask stays).
   * @throws {TypeError} If `fd` or `events` is not a number.
   * @throws {RangeError} For a negative fd or unknown event bits.
   */
  updateHandler(fd: number, events: number): boolean {
    const action = `Cannot update handler for fd ${fd}`;
    checkFd(fd, action);
    checkEvents(events, action);
    const watch = this.#core.watchOf(fd);
    if (!(watch instanceof HandlerWatch) || watch.handler === null) return false;
    // Renewed even when the mask is unchanged: a number closed behind the
    // loop's back and reused is registered again for the file it names.
    const result = this.#core.setInterest(watch, events | IOEvents.ERROR, true);
    if (result < 0) {
      const source = this.#sources.get(watch.handler)!;
      this.#exceptions.report(watchError(-result, action, fd), {
        kind: "watch",
        name: source.name,
        fd,
      });
      return false;
    }
    return true;
  }

  /**
   * Removes `fd`'s handler. Safe inside any function the loop calls: once
   * removed it is never called again, even for events already reported.
   * The fd stays open.
   *
   * @example Removing twice
   * ```ts
   * import { fd, IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const [r, w] = fd.pipe();
   * loop.addHandler(r, IOLoop.READ, () => {});
   * assert(loop.removeHandler(r));
   * assert(!loop.removeHandler(r));
   * loop.close();
   * fd.close(r);
   * fd.close(w);
   * ```
   *
   * @returns Whether a handler was removed (false for an unknown fd).
   * @throws {TypeError} If `fd` is not a number.
   * @throws {RangeError} For a negative fd.
   */
  removeHandler(fd: number): boolean {
    checkFd(fd, `Cannot remove handler for fd ${fd}`);
    const watch = this.#core.watchOf(fd);
    if (!(watch instanceof HandlerWatch) || watch.handler === null) return false;
    this.#unwatch(watch);
    return true;
  }

  #unwatch(watch: HandlerWatch): void {
    const name = watch.handler === null ? "<anonymous>" : this.#sources.get(watch.handler)?.name;
    watch.drop();
    // Removed all the same; a close behind the loop's back is reported.
    const result = this.#core.setInterest(watch, 0);
    if (result < 0) {
      this.#exceptions.report(
        removalError(-result, `Cannot remove handler for fd ${watch.fd}`, watch.fd),
        {
          kind: "watch",
          name: name ?? "<anonymous>",
          fd: watch.fd,
        },
      );
    }
  }

  // ---- callbacks, timeouts, intervals ------------------------------------

  /**
   * Calls `callback()`, or `callback(arg)` when `arg` is given, on the next
   * iteration. Callbacks added while callbacks run wait for the iteration
   * after (I/O is never starved). A callback that throws is reported and
   * the loop goes on.
   *
   * @example Chaining
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const seen: string[] = [];
   * loop.addCallback((s) => seen.push(s), "a")
   *   .addCallback(() => loop.close());
   * await loop.start();
   * assertEquals(seen, ["a"]);
   * ```
   *
   * @returns The loop, for chaining.
   * @throws {TypeError} If callback is not a function.
   * @throws {Error} If the loop is closed.
   */
  addCallback(callback: () => unknown): this;
  /** With `arg`: calls `callback(arg)`. */
  addCallback<T>(callback: (arg: T) => unknown, arg: T): this;
  addCallback(callback: Callback, arg?: unknown): this {
    this.checkOpen("Cannot add a callback");
    checkCallback(callback, "Cannot add a callback");
    const handler = new Handler(callback, arg === undefined ? [] : [arg]);
    this.#sources.set(handler, { kind: "callback", name: callbackName(callback) });
    this.#core.enqueue(handler);
    return this;
  }

  /** The poller's time for a `Date.now()` timestamp. */
  #toMonotonic(timestampMs: number): number {
    const offset = Date.now() - this.#core.now();
    // The offset is kept while the clocks agree (Date.now() is whole
    // milliseconds: re-reading it would reorder equal timestamps) and
    // re-tied when the wall clock was stepped.
    if (Math.abs(offset - this.#wallOffset) > WALL_STEP_MS) this.#wallOffset = offset;
    return timestampMs - this.#wallOffset;
  }

  /**
   * Calls `fn()`, or `fn(arg)`, once the wall clock reaches `timestampMs`
   * (`Date.now()` scale). The timestamp is converted to the loop's
   * monotonic clock when added, so later wall-clock steps do not move it;
   * it never fires early. Timeouts fire in deadline order, equal
   * timestamps in the order they were added; a timestamp already past
   * fires on the next iteration.
   *
   * @example Not before the timestamp
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const at = Date.now() + 5;
   * let firedAt = 0;
   * loop.addTimeout(at, () => { firedAt = Date.now(); loop.close(); });
   * await loop.start();
   * assert(firedAt >= at);
   * ```
   *
   * @returns A ref for `removeTimeout` (never reused).
   * @throws {TypeError} If the timestamp is not a number or fn not a
   * function.
   * @throws {RangeError} For a NaN or infinite timestamp.
   * @throws {Error} If the loop is closed.
   */
  addTimeout(timestampMs: number, fn: () => unknown): number;
  /** With `arg`: calls `fn(arg)`. */
  addTimeout<T>(timestampMs: number, fn: (arg: T) => unknown, arg: T): number;
  addTimeout(timestampMs: number, fn: Callback, arg?: unknown): number {
    const action = "Cannot add a timeout";
    this.checkOpen(action);
    checkFinite(timestampMs, "the timestamp", action);
    checkCallback(fn, action);
    const ref = nextRef++;
    const call = arg === undefined
      ? () => {
        this.#timeouts.delete(ref);
        return fn();
      }
      : () => {
        this.#timeouts.delete(ref);
        return fn(arg);
      };
    const timer = this.#core.schedule(this.#toMonotonic(timestampMs), call, []);
    this.#sources.set(timer, { kind: "timeout", name: callbackName(fn), ref });
    this.#timeouts.set(ref, timer);
    return ref;
  }

  /**
   * Removes a timeout that has not fired. Safe inside any function the
   * loop calls, including the timeout's own.
   *
   * @example Removing before it fires
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const ref = loop.addTimeout(Date.now() + 1000, () => {});
   * assert(loop.removeTimeout(ref));
   * assert(!loop.removeTimeout(ref));
   * loop.close();
   * ```
   *
   * @param ref What `addTimeout` returned.
   * @returns Whether a pending timeout was removed (false for one that
   * fired, was removed, or any other value).
   */
  removeTimeout(ref: number): boolean {
    const timer = this.#timeouts.get(ref);
    if (timer === undefined) return false;
    this.#timeouts.delete(ref);
    timer.cancel();
    return true;
  }

  /**
   * Calls `fn()`, or `fn(arg)`, every `periodMs` milliseconds, the first
   * time one period after this call. The schedule stays aligned to that
   * start: when calls run late, the missed periods are skipped and the
   * next call is at the first `start + k * period` after the end of the
   * previous call (Tornado's PeriodicCallback). A throwing `fn` is
   * reported and keeps its schedule.
   *
   * @example Three ticks
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * const loop = new IOLoop();
   * let ticks = 0;
   * const ref = loop.setInterval(1, () => {
   *   if (++ticks === 3) {
   *     loop.clearInterval(ref);
   *     loop.close();
   *   }
   * });
   * await loop.start();
   * assertEquals(ticks, 3);
   * ```
   *
   * @returns A ref for `clearInterval` (never reused).
   * @throws {TypeError} If the period is not a number or fn not a function.
   * @throws {RangeError} For a NaN, infinite, zero or negative period.
   * @throws {Error} If the loop is closed.
   */
  setInterval(periodMs: number, fn: () => unknown): number;
  /** With `arg`: calls `fn(arg)`. */
  setInterval<T>(periodMs: number, fn: (arg: T) => unknown, arg: T): number;
  setInterval(periodMs: number, fn: Callback, arg?: unknown): number {
    const action = "Cannot set an interval";
    this.checkOpen(action);
    checkFinite(periodMs, "the period", action);
    if (periodMs <= 0) {
      throw new RangeError(`${action}: the period must be positive, got ${periodMs}`);
    }
    checkCallback(fn, action);
    const ref = nextRef++;
    const interval: Interval = { start: this.#core.now(), period: periodMs, timer: null };
    const source: IOLoopErrorSource = { kind: "interval", name: callbackName(fn), ref };
    const tick = (): unknown => {
      try {
        return arg === undefined ? fn() : fn(arg);
      } finally {
        // Not if cleared (by itself too) or the loop was cleared meanwhile.
        if (this.#intervals.get(ref) === interval) this.#scheduleTick(interval, tick, source);
      }
    };
    this.#intervals.set(ref, interval);
    this.#scheduleTick(interval, tick, source);
    return ref;
  }

  #scheduleTick(interval: Interval, tick: Callback, source: IOLoopErrorSource): void {
    const { start, period } = interval;
    // The first start + k * period strictly after now (read after the call).
    const now = this.#core.now();
    let next = start + (Math.floor((now - start) / period) + 1) * period;
    if (next <= now) next += period; // rounding
    const timer = this.#core.schedule(next, tick, []);
    this.#sources.set(timer, source);
    interval.timer = timer;
  }

  /**
   * Stops an interval. Safe inside any function the loop calls, including
   * the interval's own.
   *
   * @example Clearing twice
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const ref = loop.setInterval(10, () => {});
   * assert(loop.clearInterval(ref));
   * assert(!loop.clearInterval(ref));
   * loop.close();
   * ```
   *
   * @param ref What `setInterval` returned.
   * @returns Whether an interval was stopped.
   */
  clearInterval(ref: number): boolean {
    const interval = this.#intervals.get(ref);
    if (interval === undefined) return false;
    this.#intervals.delete(ref);
    interval.timer?.cancel();
    return true;
  }

  // ---- running -----------------------------------------------------------

  /**
   * Runs the loop until `stop()` or `close()`; it never ends on its own,
   * even with nothing to do. After `stop()` it can start again.
   *
   * @example Stop, then start again
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * const loop = new IOLoop();
   * let runs = 0;
   * loop.addCallback(() => { runs++; loop.stop(); });
   * await loop.start();
   * loop.addCallback(() => { runs++; loop.close(); });
   * await loop.start();
   * assertEquals(runs, 2);
   * ```
   *
   * @returns A promise that resolves when the loop stops (rejects if the
   * poller fails).
   * @throws {Error} If the loop is running or closed.
   */
  start(): Promise<void> {
    const core = this.#core;
    if (core.closed || core.closing) {
      throw new Error(
        "Cannot start the loop: it is closed (create a new one, or use IOLoop.instance())",
      );
    }
    if (core.started) throw new Error("Cannot start the loop: it is already running");
    // Turbo's start() returns before anything runs; a run that was stopped
    // may still be finishing its iteration: the core waits for it.
    return core.run(true, true);
  }

  /**
   * Stops the loop after the current iteration (the functions already due
   * in it still run); `start()` then resolves. Everything registered stays,
   * for a later `start()`. Does nothing when the loop is not running.
   *
   * @example Stopping from a callback
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * loop.addCallback(() => loop.stop());
   * await loop.start();
   * assert(!loop.running());
   * loop.close();
   * ```
   */
  stop(): void {
    if (this.#core.started) this.#core.stop();
  }

  /**
   * Closes the loop: a running loop ends after the current iteration (the
   * functions already due in it still run), then every pending callback,
   * handler, timeout and interval is dropped and the poller freed; a loop
   * that is not running closes at once. The watched fds stay open. A
   * closed loop cannot start again; if it was the default instance,
   * `IOLoop.instance()` makes a new one. Calling it again does nothing.
   *
   * @example A closed loop cannot start
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assertThrows } from "@std/assert";
   *
   * const loop = new IOLoop();
   * loop.close();
   * assertThrows(() => loop.start(), Error, "closed");
   * ```
   */
  close(): void {
    if (this.#core.closed || this.#core.closing) return;
    if (defaultLoop === this) defaultLoop = null;
    this.#core.closeWhenStopped();
  }

  // ---- the modern surface: logic in src/async/watch.ts, fd_waiters.ts, sleep.ts,
  // signal_stream.ts and streams.ts, shared with EventLoop.

  /**
   * Calls `handler(signo, siginfo)` (or `handler(arg, signo, siginfo)`) in
   * this loop's thread each time the process receives `signo`. One handler
   * per signal per loop: a new one replaces the old (the signal stays
   * caught meanwhile). `siginfo` carries the sender's `pid`, `uid` and
   * `code`. A signal handler does not keep the loop from waiting; it wakes
   * it.
   *
   * @example SIGUSR2 with the sender's pid
   * ```ts
   * import { IOLoop, type SignalInfo } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   * import process from "node:process";
   *
   * const loop = new IOLoop();
   * let sender = -1;
   * loop.addSignalHandler("SIGUSR2", (_signo: number, info: SignalInfo) => {
   *   sender = info.pid;
   *   loop.close();
   * });
   * loop.addCallback(() => process.kill(process.pid, "SIGUSR2"));
   * await loop.start();
   * assertEquals(sender, process.pid);
   * ```
   *
   * @param signo A signal number or name ("SIGUSR2").
   * @throws {RangeError} For an unknown signal; {TypeError} for another type.
   * @throws {Error} For a signal that cannot or must not be caught (SIGKILL,
   * SIGSTOP, SIGSEGV, one the runtime uses...), saying why.
   */
  addSignalHandler(
    signo: number | string,
    handler: (...args: never[]) => unknown,
    arg?: unknown,
  ): void {
    const action = `Cannot add signal handler for ${signo}`;
    this.checkOpen(action);
    checkCallback(handler, action);
    const sig = catchableSignal(signo, "Cannot add signal handler");
    SignalRegistry.of(this.#core).set(
      sig,
      new SignalCallback(handler as Callback, arg === undefined ? [] : [arg], {
        withInfo: true,
      }),
    );
  }

  /**
   * Removes this loop's handler for `signo`. When no loop in the process
   * listens any more, the action installed before evloop is restored.
   *
   * @example
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * loop.addSignalHandler("SIGUSR2", () => {});
   * assert(loop.removeSignalHandler("SIGUSR2"));
   * assert(!loop.removeSignalHandler("SIGUSR2"));
   * loop.close();
   * ```
   *
   * @returns Whether a handler was removed.
   */
  removeSignalHandler(signo: number | string): boolean {
    if (this.#core.closed) return false;
    return SignalRegistry.of(this.#core).removeHandlers(
      signalNumber(signo, "Cannot remove signal handler"),
    );
  }

  /**
   * Closes the loop (for `using`).
   *
   * @example Closed at the end of the scope
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assertThrows } from "@std/assert";
   *
   * let kept: IOLoop;
   * {
   *   using loop = new IOLoop();
   *   kept = loop;
   * }
   * assertThrows(() => kept.start(), Error, "closed");
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Whether the loop is running: true from `start()` until `stop()` or
   * `close()`.
   *
   * @example Before, during and after a run
   * ```ts
   * import { IOLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const seen: boolean[] = [loop.running()];
   * loop.addCallback(() => { seen.push(loop.running()); loop.close(); });
   * await loop.start();
   * seen.push(loop.running());
   * assertEquals(seen, [false, true, false]);
   * ```
   */
  running(): boolean {
    return this.#core.started;
  }
}

/**
 * The thread's default IOLoop (turbo's `turbo.ioloop.instance(fn)`); same
 * as `IOLoop.instance(fn)`.
 *
 * @example A function on the next iteration
 * ```ts
 * import { instance, IOLoop } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * let got: IOLoop | undefined;
 * const loop = instance((l) => { got = l; l.close(); });
 * await loop.start();
 * assert(got === loop);
 * ```
 *
 * @param fn Called with the loop on its next iteration.
 * @returns The default loop.
 */
export function instance(fn?: (loop: IOLoop) => unknown): IOLoop {
  return IOLoop.instance(fn);
}

/** @internal The default instance, or null (the test harness cleans up). */
export function defaultLoopForTests(): IOLoop | null {
  return defaultLoop;
}
