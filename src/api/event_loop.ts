/**
 * `EventLoop`: evergreen's `evergreen.loop.EventLoop` API over the shared
 * core.
 *
 * @module
 */
import { ExceptionSink, type FdWatch, type LoopCore } from "../core/loop_core.ts";
import type { Mode } from "../core/drivers.ts";
import { alreadyWatched, removalError, watchError } from "../sys/errors.ts";
import {
  argsFrom,
  type Callback,
  checkCallback,
  Handler,
  NO_ARGS,
  retire,
} from "../core/handler.ts";
import type { Poller } from "../core/poller.ts";
import { IOEvents } from "../core/io_events.ts";
import { SignalCallback, SignalRegistry } from "../signals/registry.ts";
import { isMainThread } from "../threads/thread.ts";
import { checkFd, checkFinite } from "../sys/validate.ts";
import type { InboxLimit } from "../threads/inbox.ts";
import { liveWatchOf, ownedError } from "../async/watch.ts";
import { LoopSurface } from "./loop_surface.ts";
import { catchableSignal, signalName, signalNumber } from "../signals/names.ts";

/** Options for {@linkcode EventLoop}. */
export interface EventLoopOptions {
  /**
   * How the loop shares the thread with the host runtime: `"hosted"` keeps
   * the host's timers, I/O and promises working while it runs;
   * `"exclusive"` owns the thread and blocks in the kernel when idle.
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
   * Bounds the cross-thread inbox: once it holds `messages` calls or
   * `bytes` bytes of their JSON, `RemoteLoop.callFromThread` returns false
   * (and `el_inbox_post` -EAGAIN) until the loop has drained.
   *
   * @default {{ messages: 65536, bytes: 16777216 }}
   */
  inboxLimit?: InboxLimit;
}

/** Receives a callback's exception: the error and the failed handler. */
export type ExceptionHandler = (error: unknown, handler: Handler) => void;

const READ_BITS = IOEvents.READ | IOEvents.PRI | IOEvents.ERR | IOEvents.HUP;
const WRITE_BITS = IOEvents.WRITE | IOEvents.ERR | IOEvents.HUP;

/** A reader and/or a writer on one fd. */
class ReaderWriter implements FdWatch {
  readonly fd: number;
  interest = 0;
  reader: Handler | null = null;
  writer: Handler | null = null;

  constructor(fd: number) {
    this.fd = fd;
  }

  dispatch(events: number, core: LoopCore): void {
    // On error or hang-up both run, as evergreen does.
    if (this.reader !== null && (events & READ_BITS) !== 0) core.enqueue(this.reader);
    if (this.writer !== null && (events & WRITE_BITS) !== 0) core.enqueue(this.writer);
  }

  drop(): void {
    if (this.reader !== null) retire(this.reader);
    if (this.writer !== null) retire(this.writer);
    this.reader = this.writer = null;
  }

  wanted(): number {
    return (this.reader !== null ? IOEvents.READ : 0) |
      (this.writer !== null ? IOEvents.WRITE : 0);
  }
}

let threadLoop: EventLoop | null = null;

function defaultExceptionHandler(error: unknown, handler: Handler): void {
  console.error(`Exception in callback ${handler.callbackName}:`, error);
}

/**
 * An event loop: callbacks, timers, and readiness of raw file descriptors,
 * with evergreen's API. One per thread (the main thread or a Worker).
 *
 * @example Readiness of a socketpair
 * ```ts
 * import { EventLoop, fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * using loop = new EventLoop();
 * const [a, b] = fd.socketpair();
 * const got: string[] = [];
 * loop.addReader(b, () => {
 *   const buf = new Uint8Array(16);
 *   const n = fd.read(b, buf) ?? 0;
 *   got.push(new TextDecoder().decode(buf.subarray(0, n)));
 *   loop.removeReader(b);
 * });
 * loop.callLater(1, () => fd.write(a, new TextEncoder().encode("hi")));
 * await loop.run();
 * assertEquals(got, ["hi"]);
 * fd.close(a);
 * fd.close(b);
 * ```
 */
export class EventLoop extends LoopSurface {
  #core: LoopCore;
  #exceptions = new ExceptionSink<Handler>(defaultExceptionHandler);
  /** Whether it ran once: evergreen's loop cannot run again. */
  #ran = false;

  /**
   * Creates this thread's loop.
   *
   * @param options The mode (default `"hosted"`).
   * @throws {Error} If this thread already has an EventLoop.
   * @throws {RangeError} For an unknown mode.
   */
  constructor(options: EventLoopOptions = {}) {
    if (threadLoop !== null) {
      throw new Error(
        "Cannot create an EventLoop: this thread already has one (destroy it first)",
      );
    }
    super({ what: "an EventLoop", closedAs: "destroyed", options });
    this.#core = this._core;
    threadLoop = this;
  }

  /**
   * This thread's loop. On the main thread one is created when there is
   * none; in a Worker it must have been created with `new EventLoop()`.
   *
   * @example The main thread's loop
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = EventLoop.current();
   * assert(EventLoop.current() === loop);
   * loop.destroy();
   * ```
   *
   * @throws {Error} In a Worker that has no loop.
   */
  static current(): EventLoop {
    if (threadLoop !== null) return threadLoop;
    if (!isMainThread) {
      throw new Error(
        "Cannot get the current EventLoop: this Worker has none, create one with new EventLoop()",
      );
    }
    return new EventLoop();
  }

  /** The loop's mode. */
  /** Whether `run()` or `runForever()` is in progress. */
  get running(): boolean {
    return this.#core.running;
  }

  /** Whether `destroy()` ran. */
  get destroyed(): boolean {
    return this.#core.closed;
  }

  /** @internal The core, for the cross-thread and signal layers. */
  /** Evergreen's rule: a callback that threw is reported, the loop goes on. */
  protected override failed(error: unknown, handler: Handler): void {
    this.#exceptions.report(error, handler);
  }

  /**
   * Replaces the function that receives exceptions thrown by callbacks
   * (default: `console.error` with the callback's name). `null` restores
   * the default.
   *
   * @example Collecting errors
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const errors: unknown[] = [];
   * loop.setExceptionHandler((error) => errors.push(error));
   * loop.callSoon(() => { throw new Error("boom"); });
   * await loop.run();
   * assertEquals(errors.length, 1);
   * ```
   *
   * @param handler The new handler, or null.
   */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    this.checkOpen("Cannot set the exception handler");
    this.#exceptions.set(handler);
  }

  /**
   * The loop's monotonic clock, in milliseconds (sub-ms precision).
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * assert(loop.time() <= loop.time());
   * ```
   */
  time(): number {
    this.checkOpen("Cannot read the time");
    return this.#core.now();
  }

  /**
   * Runs `callback(...args)` on the next iteration, after the callbacks
   * queued before it (FIFO).
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const order: number[] = [];
   * loop.callSoon((n) => order.push(n), 1);
   * loop.callSoon((n) => order.push(n), 2);
   * await loop.run();
   * assertEquals(order, [1, 2]);
   * ```
   *
   * @returns The Handler that cancels it.
   * @throws {TypeError} If callback is not a function (or is a Handler).
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handler;
  callSoon(callback: Callback): Handler {
    this.checkOpen("Cannot schedule a callback");
    checkCallback(callback, "Cannot schedule a callback");
    // No rest parameter: see argsFrom.
    const handler = new Handler(callback, arguments.length > 1 ? argsFrom(arguments, 1) : NO_ARGS);
    this.#core.enqueue(handler);
    return handler;
  }

  /**
   * Like `callSoon`, and wakes the loop if it waits. For calls from other
   * Workers or native threads, see `threadHandle()` and `RemoteLoop`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * let ran = false;
   * loop.callFromThread(() => ran = true);
   * await loop.run();
   * assert(ran);
   * ```
   *
   * @returns The Handler that cancels it.
   */
  callFromThread<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handler {
    // callSoon wakes a parked loop already (LoopCore.enqueue).
    return this.callSoon(callback, ...args);
  }

  /**
   * Runs `callback(...args)` once `delayMs` milliseconds have passed since
   * this call (never early). A delay <= 0 behaves as `callSoon`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const start = loop.time();
   * let elapsed = 0;
   * loop.callLater(5, () => elapsed = loop.time() - start);
   * await loop.run();
   * assert(elapsed >= 5);
   * ```
   *
   * @throws {RangeError} For NaN or an infinite delay.
   */
  callLater<A extends unknown[]>(
    delayMs: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): Handler;
  callLater(delayMs: number, callback: Callback): Handler {
    const action = "Cannot schedule a timer";
    this.checkOpen(action);
    checkFinite(delayMs, "the delay", action);
    checkCallback(callback, action);
    const args = arguments.length > 2 ? argsFrom(arguments, 2) : NO_ARGS;
    if (delayMs <= 0) {
      const handler = new Handler(callback, args);
      this.#core.enqueue(handler);
      return handler;
    }
    // The clock is read now: a time cached by the iteration would be old.
    return this.#core.schedule(this.#core.now() + delayMs, callback, args);
  }

  /**
   * Runs `callback(...args)` once `loop.time()` reaches `whenMs`. A time
   * already past runs at the next iteration, still in (time, scheduling)
   * order with the other timers due: equal times fire in the order they
   * were scheduled, however late the later calls were made.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const when = loop.time() + 2;
   * let at = 0;
   * loop.callAt(when, () => at = loop.time());
   * await loop.run();
   * assert(at >= when);
   * ```
   *
   * @throws {RangeError} For NaN or an infinite time.
   */
  callAt<A extends unknown[]>(
    whenMs: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): Handler;
  callAt(whenMs: number, callback: Callback): Handler {
    const action = "Cannot schedule a timer";
    this.checkOpen(action);
    checkFinite(whenMs, "the time", action);
    checkCallback(callback, action);
    // Never a shortcut to callSoon for a past time: a timer at the same
    // time scheduled earlier, while that time was still ahead, would run
    // after it (asyncio's call_at also always goes through the heap).
    return this.#core.schedule(
      whenMs,
      callback,
      arguments.length > 2 ? argsFrom(arguments, 2) : NO_ARGS,
    );
  }

  /**
   * Calls `callback(...args)` whenever `fd` is readable (level-triggered:
   * again and again while data stays unread). The fd should be
   * non-blocking. On error or hang-up it runs too.
   *
   * @example
   * ```ts
   * import { EventLoop, fd } from "@evloop/evloop";
   * import { assertThrows } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [r, w] = fd.pipe();
   * loop.addReader(r, () => {});
   * assertThrows(() => loop.addReader(r, () => {}), Error, "already watched");
   * loop.removeReader(r);
   * fd.close(r);
   * fd.close(w);
   * ```
   *
   * @returns The Handler; `cancel()` on it removes the reader.
   * @throws {SystemError} EEXIST if `fd` already has a reader on this loop
   * (a stale one, whose fd was closed behind the loop's back, is replaced).
   * @throws {SystemError} If the kernel refuses the fd (EBADF, EPERM for
   * regular files).
   */
  addReader<A extends unknown[]>(
    fd: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): Handler {
    return this.#addWatcher("reader", fd, callback as Callback, args);
  }

  /**
   * Calls `callback(...args)` whenever `fd` is writable (level-triggered).
   *
   * @example
   * ```ts
   * import { EventLoop, fd } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [a, b] = fd.socketpair();
   * let writable = false;
   * loop.addWriter(a, () => { writable = true; loop.removeWriter(a); });
   * await loop.run();
   * assert(writable);
   * fd.close(a);
   * fd.close(b);
   * ```
   *
   * @returns The Handler; `cancel()` on it removes the writer.
   * @throws {SystemError} EEXIST if `fd` already has a writer on this loop
   * (a stale one, whose fd was closed behind the loop's back, is replaced).
   * @throws {SystemError} If the kernel refuses the fd.
   */
  addWriter<A extends unknown[]>(
    fd: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): Handler {
    return this.#addWatcher("writer", fd, callback as Callback, args);
  }

  /**
   * Removes `fd`'s reader. Safe inside any callback: once removed it never
   * runs again, even if its event is already in the current batch.
   *
   * @example
   * ```ts
   * import { EventLoop, fd } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [r, w] = fd.pipe();
   * loop.addReader(r, () => {});
   * assert(loop.removeReader(r));
   * assert(!loop.removeReader(r));
   * fd.close(r);
   * fd.close(w);
   * ```
   *
   * @returns Whether a reader was removed.
   */
  removeReader(fd: number): boolean {
    return this.#removeWatcher("reader", fd);
  }

  /**
   * Removes `fd`'s writer (see `removeReader`).
   *
   * @example
   * ```ts
   * import { EventLoop, fd } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [a, b] = fd.socketpair();
   * loop.addWriter(a, () => {});
   * assert(loop.removeWriter(a));
   * fd.close(a);
   * fd.close(b);
   * ```
   *
   * @returns Whether a writer was removed.
   */
  removeWriter(fd: number): boolean {
    return this.#removeWatcher("writer", fd);
  }

  #addWatcher(
    kind: "reader" | "writer",
    fd: number,
    callback: Callback,
    args: unknown[],
  ): Handler {
    const action = `Cannot add ${kind} for fd ${fd}`;
    this.checkOpen(`Cannot add ${kind}`);
    checkFd(fd, action);
    checkCallback(callback, action);
    const core = this.#core;
    // A watch whose fd was closed behind the loop's back (its number maybe
    // reused) is dropped: its callbacks must not see the new file. So are
    // settled readable()/writable() waits.
    const existing = liveWatchOf(core, fd);
    if (existing !== undefined && !(existing instanceof ReaderWriter)) {
      throw ownedError(fd, action);
    }
    const watch = existing ?? new ReaderWriter(fd);
    if (watch[kind] !== null) throw alreadyWatched(action);
    const handler = new Handler(callback, args, (h) => {
      if (watch[kind] === h) this.#removeWatcher(kind, fd);
    });
    watch[kind] = handler;
    const result = core.setInterest(watch, watch.wanted());
    if (result < 0) {
      watch[kind] = null;
      retire(handler);
      throw watchError(-result, action, fd);
    }
    return handler;
  }

  #removeWatcher(kind: "reader" | "writer", fd: number): boolean {
    this.checkOpen(`Cannot remove ${kind}`);
    checkFd(fd, `Cannot remove ${kind} for fd ${fd}`);
    const watch = this.#core.watchOf(fd);
    if (!(watch instanceof ReaderWriter) || watch[kind] === null) return false;
    const handler = watch[kind]!;
    watch[kind] = null;
    retire(handler);
    const result = this.#core.setInterest(watch, watch.wanted());
    // Removed all the same; the close behind the loop's back is reported.
    if (result < 0) {
      this.#exceptions.report(
        removalError(-result, `Cannot remove ${kind} for fd ${fd}`, fd),
        handler,
      );
    }
    return true;
  }

  /**
   * Runs `callback(...args)` in this loop's thread each time `sig` arrives
   * (sent to the process by anyone, delivered by the kernel to any
   * thread). A signal may have many handlers, in this loop and in loops of
   * other threads; each loop that listens gets every arrival. While any
   * loop in the process listens, the signal's previous action (the
   * default, or a handler the runtime installed later) no longer applies,
   * except that a handler installed before is still called; it is
   * restored when the last handler goes. Signal handlers do not keep
   * `run()` alive.
   *
   * Refused: SIGKILL and SIGSTOP (they cannot be caught); SIGSEGV, SIGBUS,
   * SIGFPE, SIGILL and SIGPIPE (the runtime needs them); the C library's
   * reserved real-time signals (32, 33); and any signal the runtime had a
   * handler for when evloop loaded.
   *
   * @example Handling SIGUSR2
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const handler = loop.addSignalHandler("SIGUSR2", (tag) => console.log(tag), "usr2");
   * handler.cancel();
   * assert(handler.cancelled);
   * ```
   *
   * @param sig A signal number or name ("SIGUSR2").
   * @returns The Handler whose `cancel()` removes this handler only.
   * @throws {TypeError} If `sig` is not a number or a string, or callback
   * is not a function (or is a Handler).
   * @throws {RangeError} For an unknown signal number or name.
   * @throws {Error} For a refused signal, with the reason.
   */
  addSignalHandler<A extends unknown[]>(
    sig: number | string,
    callback: (...args: A) => unknown,
    ...args: A
  ): Handler {
    this.checkOpen("Cannot add a signal handler");
    const signo = catchableSignal(sig, "Cannot add signal handler");
    checkCallback(callback, `Cannot add signal handler for ${signalName(signo)}`);
    const signals = SignalRegistry.of(this.#core);
    const watch: SignalCallback = new SignalCallback(callback as Callback, args, {
      onCancel: () => signals.remove(signo, watch),
    });
    signals.add(signo, watch);
    return watch.handler;
  }

  /**
   * Removes every handler this loop has for `sig` (a `signals()` iterator
   * stays until it ends); when no loop in the process listens any more,
   * the action that was there before the first one is restored.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * loop.addSignalHandler("SIGUSR2", () => {});
   * loop.addSignalHandler("SIGUSR2", () => {});
   * assert(loop.removeSignalHandler("SIGUSR2"));
   * assert(!loop.removeSignalHandler("SIGUSR2"));
   * ```
   *
   * @returns Whether a handler was removed (false for SIGKILL and
   * SIGSTOP, where none can be, as in evergreen and asyncio).
   * @throws {TypeError} If `sig` is not a number or a string.
   * @throws {RangeError} For an unknown signal number or name.
   */
  removeSignalHandler(sig: number | string): boolean {
    this.checkOpen("Cannot remove a signal handler");
    const signo = signalNumber(sig, "Cannot remove signal handler");
    return SignalRegistry.of(this.#core).removeHandlers(signo);
  }

  // ---- the modern surface: logic in src/async/watch.ts, fd_waiters.ts, sleep.ts,
  // signal_stream.ts and streams.ts, shared with IOLoop.

  /**
   * Yields to the loop: resolves once the loop ran the callbacks queued
   * before it. Starts the loop (`run()`) if it was not started.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * let ran = false;
   * loop.callSoon(() => ran = true);
   * await loop.switch();
   * assert(ran);
   * ```
   */
  switch(): Promise<void> {
    this.checkOpen("Cannot switch to the loop");
    const done = new Promise<void>((resolve) => this.callSoon(resolve));
    if (!this.#ran) void this.run();
    return done;
  }

  /**
   * Runs the loop until nothing keeps it alive: pending callbacks, timers,
   * readers and writers do; signal handlers and the cross-thread inbox do
   * not. A loop that stopped cannot run again.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * let fired = false;
   * loop.callLater(1, () => fired = true);
   * await loop.run();
   * assert(fired && !loop.running);
   * ```
   *
   * @throws {Error} If the loop is running, stopped or destroyed.
   */
  run(): Promise<void> {
    return this.#start("Cannot run the loop", false);
  }

  /**
   * Runs the loop until `stop()`, even with nothing to do.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * loop.callLater(1, () => loop.stop());
   * await loop.runForever();
   * assert(!loop.running);
   * ```
   *
   * @throws {Error} If the loop is running, stopped or destroyed.
   */
  runForever(): Promise<void> {
    return this.#start("Cannot run the loop", true);
  }

  #start(action: string, forever: boolean): Promise<void> {
    this.checkOpen(action);
    if (this.#core.running) throw new Error(`${action}: it is already running`);
    if (this.#ran) {
      throw new Error(`${action}: it has stopped, and a stopped loop cannot run again`);
    }
    this.#ran = true;
    // A promise made on the loop after its run could never settle.
    return this.#core.run(forever).finally(() =>
      this.#core.end("the loop has stopped, and a stopped loop cannot run again")
    );
  }

  /**
   * Stops the loop after the current iteration; `run()`/`runForever()`
   * then resolve.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assertThrows } from "@std/assert";
   *
   * using loop = new EventLoop();
   * assertThrows(() => loop.stop(), Error, "not running");
   * ```
   *
   * @throws {Error} If the loop is not running.
   */
  stop(): void {
    this.checkOpen("Cannot stop the loop");
    if (!this.#core.running) throw new Error("Cannot stop the loop: it is not running");
    this.#core.stop();
  }

  /**
   * Frees the loop: drops pending callbacks, removes its watchers and
   * signal handlers, closes every fd the shim opened for it, and lets this
   * thread create a new loop.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assertThrows } from "@std/assert";
   *
   * const loop = new EventLoop();
   * loop.destroy();
   * assertThrows(() => loop.destroy(), Error, "destroyed");
   * new EventLoop().destroy();
   * ```
   *
   * @throws {Error} If the loop is running or already destroyed.
   */
  destroy(): void {
    this.checkOpen("Cannot destroy the loop");
    if (this.#core.running) {
      throw new Error("Cannot destroy the loop: it is running (stop it first)");
    }
    this.#core.close();
    if (threadLoop === this) threadLoop = null;
  }

  /**
   * Destroys the loop unless that was done already (for `using`). A running
   * loop (e.g. started by `switch()`) is stopped and destroyed when its
   * current iteration ends.
   */
  [Symbol.dispose](): void {
    if (this.#core.closed || this.#core.closing) return;
    if (this.#core.running) {
      this.#core.closeWhenStopped();
      // The thread may make a new loop at once; this one goes soon.
      if (threadLoop === this) threadLoop = null;
      return;
    }
    this.destroy();
  }
}

/**
 * `current.loop` is this thread's loop (evergreen's `evergreen.current.loop`).
 *
 * @example
 * ```ts
 * import { current, EventLoop } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * assert(current.loop === EventLoop.current());
 * current.loop.destroy();
 * ```
 */
export const current: { readonly loop: EventLoop } = {
  get loop(): EventLoop {
    return EventLoop.current();
  },
};

/** @internal This thread's loop, or null (the test harness cleans up). */
export function threadLoopForTests(): EventLoop | null {
  return threadLoop;
}
