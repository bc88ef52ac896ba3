/**
 * The loop core shared by `EventLoop` and `IOLoop`: the ready queue, the
 * timer heap and the fd watches, all declared up front, and the loop's
 * lifecycle: its mode, its construction, runs and stops, closing (now or
 * when the run returns) with teardown hooks, and where errors go. The
 * poller and the clock only feed the ready queue; `runReady` is the only
 * place where user callbacks are called (asyncio's `_run_once`). The two
 * APIs keep only their own rules on top.
 *
 * @module
 */
import { Handler, invoke, retire, TimerHandler } from "./handler.ts";
import type { Callback } from "./handler.ts";
import { RingQueue } from "./ring_queue.ts";
import { TimerHeap } from "./timer_heap.ts";
import { Ctl, NativePoller, type Poller } from "./poller.ts";
import { drive, type Mode, MODES } from "./drivers.ts";
import { Errno, SystemError } from "../sys/errors.ts";
import { onFdClosed } from "../sys/fd_close.ts";
import { describe } from "../sys/validate.ts";
import { armIdleHint } from "./idle_hint.ts";

/** One fd's registration, owned by an API (reader/writer pair, handler). */
export interface FdWatch {
  /** The watched fd. */
  readonly fd: number;
  /** The interest currently registered with the poller (0: none). */
  interest: number;
  /**
   * Its interest does not keep the loop alive: the owner holds the loop
   * (`hold()`) only while it waits (an edge-triggered watch stays armed
   * between waits).
   */
  readonly weak?: boolean;
  /** Queues the handlers `events` concern on `core`. */
  dispatch(events: number, core: LoopCore): void;
  /** Cancels its handlers silently (the fd went away with the loop). */
  drop(): void;
}

/** What the core reports a failed callback with. */
export type ErrorSink = (error: unknown, handler: Handler) => void;

/**
 * Where an API's errors go: the user's exception handler, else the
 * default one; a user handler that throws is itself reported to the
 * default one (asyncio's `call_exception_handler`). `C` is what the API
 * tells about the failure (the Handler, or IOLoop's error source).
 *
 * @example A handler that throws falls back to the default
 * ```ts
 * import { ExceptionSink } from "./loop_core.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const seen: string[] = [];
 * const sink = new ExceptionSink<string>((error, where) => seen.push(`${where}: ${error}`));
 * sink.set(() => {
 *   throw "inner";
 * });
 * sink.report("outer", "tick");
 * assertEquals(seen, ["tick: inner"]);
 * ```
 */
export class ExceptionSink<C> {
  #fallback: (error: unknown, context: C) => void;
  #handler: ((error: unknown, context: C) => void) | null = null;

  /** @param fallback The default handler (it must not throw). */
  constructor(fallback: (error: unknown, context: C) => void) {
    this.#fallback = fallback;
  }

  /**
   * Replaces the user's handler; `null` restores the default.
   *
   * @throws {TypeError} If handler is neither a function nor null.
   */
  set(handler: ((error: unknown, context: C) => void) | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError(
        "Cannot set the exception handler: it must be a function or null",
      );
    }
    this.#handler = handler;
  }

  /** Tells the user's handler (or the default) about `error`. */
  report(error: unknown, context: C): void {
    if (this.#handler === null) {
      this.#fallback(error, context);
      return;
    }
    try {
      this.#handler(error, context);
    } catch (inner) {
      this.#fallback(inner, context);
    }
  }
}

/** How an API makes its core. */
export interface LoopCoreOptions {
  /** The API, for messages: "an EventLoop", "an IOLoop". */
  readonly what: string;
  /**
   * The user's options, unchecked: `mode` (default `"hosted"`), `poller`
   * (default: a new one of the shim), `inboxLimit` (see
   * `EventLoopOptions`).
   */
  readonly options: unknown;
  /** Where failed callbacks are reported (the API's rules, its sink). */
  readonly onError: ErrorSink;
}

const MAX_EVENTS = 256;

/** The error of a failed wait (no readiness: the loop cannot go on). */
function waitError(errno: number): SystemError {
  return new SystemError(errno, "el_poller_wait", "Cannot wait for events: the poller failed");
}

/** Every live core in this thread (fd.close removes fds from each). */
const liveCores = new Set<LoopCore>();
onFdClosed((fd) => {
  for (const core of liveCores) core.forgetFd(fd);
});

/**
 * Checks the loop options the core reads (`mode`, `poller`) before
 * anything is opened, so a refused construction leaves nothing behind.
 * Other keys belong to the APIs and features (`inboxLimit`).
 */
function checkLoopOptions(options: unknown, action: string): { mode?: Mode; poller?: Poller } {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${action}: options must be an object, got ${describe(options)}`);
  }
  const { mode, poller } = options as { mode?: unknown; poller?: Poller };
  if (mode !== undefined && typeof mode !== "string") {
    throw new TypeError(
      `${action}: mode must be "hosted" or "exclusive", got ${describe(mode)}`,
    );
  }
  if (mode !== undefined && !MODES.includes(mode as Mode)) {
    throw new RangeError(`${action}: unknown mode "${mode}" (use "hosted" or "exclusive")`);
  }
  return { mode: mode as Mode | undefined, poller };
}

/** The loop core. */
export class LoopCore {
  readonly poller: Poller;
  /** How the loop shares the thread with the host runtime. */
  readonly mode: Mode;
  #ready = new RingQueue<Handler>();
  #timers = new TimerHeap();
  #watches: (FdWatch | undefined)[] = [];
  #watchCount = 0;
  /** Watches with a non-zero interest: they keep the loop alive. */
  #activeCount = 0;
  /** Timers that do not keep the loop alive (`abortAfter`). */
  #weakTimers = new Set<TimerHandler>();
  /** Promises waiting on the loop without a watch or timer (`signals()`). */
  #holds = 0;
  #events = new Int32Array(2 * MAX_EVENTS);
  #seq = 0;
  #parked = false;
  #nudged = false;
  #stopping = false;
  #closed = false;
  /** Why the core will never run again though it is open (evergreen's stopped loop). */
  #endedBecause: string | undefined;
  #onError: ErrorSink;
  #teardown = new Set<() => void>();

  #wakeListeners: ((bits: number) => void)[] = [];

  /** Ids of run() calls; the run that should go on (0: a stop came). */
  #runs = 0;
  #wanted = 0;
  /** From run() until its drive returned (it may be winding down). */
  #active = false;
  /** The latest run, for the next one to wait for. */
  #driving: Promise<void> | null = null;
  #closeWhenStopped = false;
  /** Whether the hint about promises on a loop not running was armed. */
  #idleHintArmed = false;

  /**
   * Validates its options (the mode, the poller) and opens the poller
   * unless one is given. Features (the inbox, the signals) attach
   * afterwards through `addWakeListener` and `onClose`.
   *
   * @throws {TypeError} For options of the wrong types.
   * @throws {RangeError} For an unknown mode.
   * @throws {SystemError} If the shim cannot open a loop.
   */
  constructor(options: LoopCoreOptions) {
    const action = `Cannot create ${options.what}`;
    const { mode = "hosted", poller } = checkLoopOptions(options.options, action);
    this.mode = mode;
    this.#onError = options.onError;
    this.poller = poller ?? new NativePoller();
    liveCores.add(this);
    // V8 treats a field stored once as a constant and compiles against it;
    // the store of close() then threw away the optimized code of every
    // method that reads it (callLater, the heap), and the process's next
    // loop ran its first thousand calls cold (bench: lateness, 3-12 ms to
    // schedule 1,000 timers). Changed once here, it is a plain field.
    this.#closed = true;
    this.#closed = false;
  }

  /** The loop's monotonic clock (the poller's), in ms. */
  now(): number {
    return this.poller.now();
  }

  /** Whether the clock is the real one (a test's poller has a virtual clock). */
  get realTime(): boolean {
    return this.poller instanceof NativePoller;
  }

  /**
   * Calls `hook()` once when the core closes, before its queues are
   * dropped and its poller closed (the inbox and the signals let go; a
   * pending promise on a timer rejects instead of waiting for ever).
   * Returns its removal.
   */
  onClose(hook: () => void): () => void {
    this.#teardown.add(hook);
    return () => this.#teardown.delete(hook);
  }

  /**
   * Reports an error that no callback threw (a cross-thread call that
   * cannot run, a signal watch that failed) where failed callbacks go,
   * from the ready queue: the exception handler is user code too. It is
   * told of a Handler named `origin`.
   */
  report(error: unknown, origin: string): void {
    const tell = () => this.#onError(error, handler);
    Object.defineProperty(tell, "name", { value: origin });
    const handler = new Handler(tell, []);
    this.enqueue(handler);
  }

  // ---- scheduling ------------------------------------------------------

  /** Queues a handler for the next iteration. */
  enqueue(handler: Handler): void {
    this.#ready.push(handler);
    if (this.#parked) this.#nudge();
  }

  /**
   * Makes a timer due at `when` (ms, on the poller's clock). A `weak` timer
   * does not keep the loop alive (as an unref'd host timer).
   */
  schedule(when: number, callback: Callback, args: unknown[], weak = false): TimerHandler {
    const timer = new TimerHandler(
      when,
      this.#seq++,
      callback,
      args,
      this.#onTimerCancel,
    );
    this.#timers.push(timer);
    if (weak) this.#weakTimers.add(timer);
    if (this.#parked) this.#nudge();
    return timer;
  }

  #onTimerCancel = (handler: Handler): void => {
    // One that already left the heap (due, queued) is skipped at run time.
    if ((handler as TimerHandler).inHeap) this.#timers.noteCancelled();
    if (this.#weakTimers.size > 0) this.#weakTimers.delete(handler as TimerHandler);
    // Cancelled from host code while parked: the park's timeout was this
    // timer's deadline, and it may have been the last thing keeping run()
    // going. Wake it to look again, not sleep until a deadline now void.
    if (this.#parked) this.#nudge();
  };

  /**
   * Keeps the loop alive until the matching `release()`: a promise waits
   * on the loop for something that is neither a watch nor a timer (the
   * next arrival of a signal iterated with `signals()`).
   */
  hold(): void {
    this.#holds++;
  }

  /** Ends one `hold()`. */
  release(): void {
    // clear() may have reset the count already.
    if (this.#holds > 0) this.#holds--;
    // From host code while parked: the last hold may be gone, and a park
    // with nothing to wait for (no timer) would never end by itself.
    if (this.#parked) this.#nudge();
  }

  /** Live timers (not cancelled, not fired). */
  get timerCount(): number {
    return this.#timers.live;
  }

  /** Callbacks waiting in the ready queue (cancelled ones included). */
  get readyCount(): number {
    return this.#ready.length;
  }

  /**
   * Calls `listener(bits)` whenever the shim reports a wake-up (the bits
   * say why: `Wake.WAKE`, `Wake.SIGNAL`, `Wake.INBOX`). Listeners run
   * before the iteration's callbacks and should only queue work.
   */
  addWakeListener(listener: (bits: number) => void): void {
    this.#wakeListeners.push(listener);
  }

  // ---- fd watches -------------------------------------------------------

  /** The watch on `fd`, if any. */
  watchOf(fd: number): FdWatch | undefined {
    return this.#watches[fd];
  }

  /** Watched fds (paused watches included). */
  get watchCount(): number {
    return this.#watchCount;
  }

  /**
   * Registers `interest` for `watch` (0 removes the fd from the poller and
   * forgets the watch, unless `keep`: then the watch still owns the fd,
   * paused, without keeping the loop alive). Returns 0 or -errno. A
   * refused ADD or MOD changes nothing; a failed DEL (the fd was closed
   * behind the loop's back, the kernel dropped its registration) forgets
   * the watch all the same and returns the error for the caller to report.
   * `renew` re-registers an unchanged interest too: the shim turns a MOD on
   * a number closed and reused into an ADD, so the watch follows the file
   * now under `fd`.
   */
  setInterest(watch: FdWatch, interest: number, renew = false, keep = false): number {
    const fd = watch.fd;
    const known = this.#watches[fd] === watch;
    let result = 0;
    let removal = 0;
    if (interest === 0) {
      if (watch.interest !== 0) removal = this.poller.ctl(Ctl.DEL, fd, 0);
    } else if (watch.interest === 0) {
      result = this.poller.ctl(Ctl.ADD, fd, interest);
    } else if (watch.interest !== interest || renew) {
      result = this.poller.ctl(Ctl.MOD, fd, interest);
    }
    if (result < 0) return result;
    if (watch.interest !== 0 && known && !watch.weak) this.#activeCount--;
    watch.interest = interest;
    if (interest === 0 && !keep) {
      if (known) {
        this.#watches[fd] = undefined;
        this.#watchCount--;
      }
      if (this.#parked) this.#nudge();
      return removal < 0 ? removal : 0;
    }
    if (!known) {
      this.#watches[fd] = watch;
      this.#watchCount++;
    }
    if (interest !== 0 && !watch.weak) this.#activeCount++;
    if (this.#parked) this.#nudge();
    return removal < 0 ? removal : 0;
  }

  /**
   * Whether `fd`'s watch went stale: the fd was closed behind the loop's
   * back (maybe its number reused), so the kernel no longer watches the
   * file it was registered for. False when `fd` has no watch.
   */
  isStale(fd: number): boolean {
    // A paused watch has nothing registered that could go stale.
    const watch = this.#watches[fd];
    return watch !== undefined && watch.interest !== 0 &&
      this.poller.ctl(Ctl.CHECK, fd, 0) === 0;
  }

  /**
   * Drops every watch on `fd` without closing it: its handlers are
   * cancelled and the poller forgets the fd. The call to make before a
   * library closes or replaces a socket the loop watches. Returns whether
   * `fd` had a watch.
   */
  forget(fd: number): boolean {
    const watch = this.#watches[fd];
    if (watch === undefined) return false;
    // Called after the close, the DEL fails: nothing is left to undo then.
    if (watch.interest !== 0) this.poller.ctl(Ctl.DEL, fd, 0);
    this.forgetFd(fd);
    return true;
  }

  /** Forgets `fd` without a poller call (the shim already dropped it). */
  forgetFd(fd: number): void {
    const watch = this.#watches[fd];
    if (watch === undefined) return;
    if (watch.interest !== 0 && !watch.weak) this.#activeCount--;
    watch.interest = 0;
    this.#watches[fd] = undefined;
    this.#watchCount--;
    watch.drop();
    // From host code while parked (`fd.close` in a host timer): the watch
    // may have been all that kept run() going, and the park, with nothing
    // left to report, would never end. Wake it to look again.
    if (this.#parked) this.#nudge();
  }

  // ---- running ---------------------------------------------------------

  /**
   * Runs the loop until `stop()` (`forever`) or until nothing keeps it
   * alive. A run started while an earlier one winds down waits for it,
   * and does not start at all if `stop()` or another `run()` came
   * meanwhile. With `defer`, no callback runs inside this call itself.
   *
   * @returns A promise that resolves when the run returns (rejects if the
   * poller fails); the core closes then if `closeWhenStopped()` asked.
   */
  run(forever: boolean, defer = false): Promise<void> {
    const id = ++this.#runs;
    const previous = this.#driving;
    this.#wanted = id;
    this.#active = true;
    const run = this.#run(id, previous, forever, defer);
    this.#driving = run;
    return run;
  }

  async #run(
    id: number,
    previous: Promise<void> | null,
    forever: boolean,
    defer: boolean,
  ): Promise<void> {
    try {
      if (previous !== null || defer) await previous?.catch(() => {});
      if (this.#wanted !== id) return;
      this.#stopping = false;
      await drive(this, this.mode, forever);
    } finally {
      if (this.#runs === id) {
        this.#active = false;
        this.#driving = null;
        this.#wanted = 0;
        if (this.#closeWhenStopped) this.close();
      }
    }
  }

  /** Whether a run is in progress: from `run()` until it returned. */
  get running(): boolean {
    return this.#active;
  }

  /** Whether a run was asked for and neither stop() nor its end came. */
  get started(): boolean {
    return this.#wanted !== 0;
  }

  /** Whether `stop()` was asked for. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Stops the run after the current iteration (and one not started). */
  stop(): void {
    this.#wanted = 0;
    this.#stopping = true;
    if (this.#parked) this.#nudge();
  }

  /**
   * Whether anything keeps `run()` going: callbacks, timers (not weak
   * ones), fds with an interest, holds.
   */
  get hasWork(): boolean {
    return this.#ready.length > 0 || this.#timers.live > this.#weakTimers.size ||
      this.#activeCount > 0 || this.#holds > 0;
  }

  /**
   * The poll timeout: 0 with ready work or a stop pending; the time to the
   * next timer; else -1 (block).
   */
  timeout(): number {
    if (this.#ready.length > 0 || this.#stopping) return 0;
    const next = this.#timers.peek();
    if (next === undefined) return -1;
    return Math.max(0, next.when - this.poller.now());
  }

  /**
   * Waits up to `timeoutMs` and queues the handlers of the fds that are
   * ready. Returns how many events arrived (an EINTR counts as none: the
   * driver recomputes the timeout).
   */
  poll(timeoutMs: number): number {
    const events = this.#events;
    const n = this.poller.wait(events, timeoutMs);
    if (n < 0) {
      if (n === -Errno.EINTR) return 0;
      throw waitError(-n);
    }
    for (let i = 0; i < 2 * n; i += 2) {
      const fd = events[i];
      if (fd < 0) {
        const bits = events[i + 1];
        for (const listener of this.#wakeListeners) listener(bits);
        continue;
      }
      // A watch removed earlier in this batch is simply not found.
      this.#watches[fd]?.dispatch(events[i + 1], this);
    }
    return n;
  }

  /**
   * Moves due timers to the ready queue, then runs the callbacks that were
   * ready when it started: those queued meanwhile wait for the next
   * iteration (Tornado: no starvation of I/O).
   */
  runReady(): void {
    const timers = this.#timers;
    if (timers.live > 0) {
      const now = this.poller.now();
      for (let top = timers.peek(); top !== undefined && top.when <= now; top = timers.peek()) {
        timers.pop();
        top.leaveHeap();
        if (this.#weakTimers.size > 0) this.#weakTimers.delete(top);
        this.#ready.push(top);
      }
    }
    const ready = this.#ready;
    for (let n = ready.length; n > 0; n--) {
      const handler = ready.shift()!;
      if (handler.cancelled) continue;
      try {
        const result = invoke(handler);
        if (result instanceof Promise) {
          result.then(undefined, (error) => this.#onError(error, handler));
        }
      } catch (error) {
        this.#onError(error, handler);
      }
    }
  }

  /**
   * Waits without blocking the thread (hosted driver). Rejects with the
   * `SystemError` of a failed wait: it is no readiness, and polling after
   * it would only park again at once, for ever.
   */
  park(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#parked = true;
      this.#nudged = false;
      this.poller.park(timeoutMs, (result) => {
        this.#parked = false;
        if (result < 0 && result !== -Errno.EINTR) reject(waitError(-result));
        else resolve();
      });
    });
  }

  #nudge(): void {
    if (this.#nudged) return;
    this.#nudged = true;
    this.poller.wake();
  }

  /** Wakes a parked or blocked wait. */
  wake(): void {
    this.poller.wake();
  }

  // ---- teardown --------------------------------------------------------

  /** Whether `close()` ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Marks the core as one that will never run again while it stays open
   * (an EventLoop after its run: evergreen's loop cannot run again), so
   * that a promise on it is refused at once instead of pending for ever.
   */
  end(because: string): void {
    this.#endedBecause ??= because;
  }

  /**
   * Throws unless a promise made now can still settle: the core is open
   * and may run again.
   *
   * @throws {Error} `${action}: the loop is closed`, or the reason given to `end()`.
   */
  checkUsable(action: string): void {
    if (this.#closed) throw new Error(`${action}: the loop is closed`);
    if (this.#endedBecause !== undefined) throw new Error(`${action}: ${this.#endedBecause}`);
    if (this.#active || this.#idleHintArmed) return;
    // Said once per loop, if the loop is still not running a second later.
    this.#idleHintArmed = true;
    const runs = this.#runs;
    armIdleHint(() => !this.#closed && !this.#active && this.#runs === runs && this.hasWork);
  }

  /** Whether the core closes once the run in progress returns. */
  get closing(): boolean {
    return this.#closeWhenStopped;
  }

  /** Closes now, or, while a run is in progress, stops it and closes once it returns. */
  closeWhenStopped(): void {
    if (this.#closed) return;
    if (!this.#active) {
      this.close();
      return;
    }
    this.#closeWhenStopped = true;
    this.stop();
  }

  /** Drops every callback, timer and watch (the fds stay open). */
  clear(): void {
    // Retired, not cancelled: cancel hooks would edit what is being cleared.
    for (let h = this.#ready.shift(); h !== undefined; h = this.#ready.shift()) {
      retire(h);
    }
    for (const timer of this.#timers.all()) {
      timer.leaveHeap();
      retire(timer);
    }
    this.#timers.clear();
    this.#weakTimers.clear();
    this.#holds = 0;
    for (const watch of this.#watches) {
      if (watch === undefined) continue;
      if (watch.interest !== 0) this.poller.ctl(Ctl.DEL, watch.fd, 0);
      watch.interest = 0;
      watch.drop();
    }
    this.#watches = [];
    this.#watchCount = 0;
    this.#activeCount = 0;
  }

  /**
   * Runs the teardown hooks, drops everything and closes the poller (and
   * the fds it opened).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeWhenStopped = false;
    liveCores.delete(this);
    const hooks = [...this.#teardown];
    this.#teardown.clear();
    for (const hook of hooks) hook();
    this.clear();
    this.poller.close();
  }
}
