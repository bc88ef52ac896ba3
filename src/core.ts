/**
 * The loop core shared by `EventLoop` and `IOLoop`: the ready queue, the
 * timer heap and the fd watches, all declared up front. The poller and the
 * clock only feed the ready queue; `runReady` is the only place where user
 * callbacks are called (asyncio's `_run_once`).
 *
 * @module
 */
import { type Handler, invoke, retire, TimerHandler } from "./handler.ts";
import type { Callback } from "./handler.ts";
import { RingQueue } from "./ring_queue.ts";
import { TimerHeap } from "./timer_heap.ts";
import { Ctl, type Poller } from "./poller.ts";
import { SystemError } from "./errors.ts";

/** One fd's registration, owned by an API (reader/writer pair, handler). */
export interface FdWatch {
  /** The watched fd. */
  readonly fd: number;
  /** The interest currently registered with the poller (0: none). */
  interest: number;
  /** Queues the handlers `events` concern on `core`. */
  dispatch(events: number, core: LoopCore): void;
  /** Cancels its handlers silently (the fd went away with the loop). */
  drop(): void;
}

/** What the core reports a failed callback with. */
export type ErrorSink = (error: unknown, handler: Handler) => void;

const EINTR_RESULT = -4; // -EINTR on every supported OS
const MAX_EVENTS = 256;

/** The error of a failed wait (no readiness: the loop cannot go on). */
function waitError(errno: number): SystemError {
  return new SystemError(errno, "el_poller_wait", "Cannot wait for events: the poller failed");
}

/** Every live core in this thread (fd.close removes fds from each). */
export const liveCores: Set<LoopCore> = new Set();

/** The loop core. */
export class LoopCore {
  readonly poller: Poller;
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
  #onError: ErrorSink;

  #wakeListeners: ((bits: number) => void)[] = [];
  #closeListeners = new Set<() => void>();

  /**
   * @param poller The poller to drive.
   * @param onError Where failed callbacks are reported.
   */
  constructor(poller: Poller, onError: ErrorSink) {
    this.poller = poller;
    this.#onError = onError;
    liveCores.add(this);
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
    this.#weakTimers.delete(handler as TimerHandler);
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
    if (watch.interest !== 0 && known) this.#activeCount--;
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
    if (interest !== 0) this.#activeCount++;
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
    if (this.#parked) this.#nudge();
    return true;
  }

  /** Forgets `fd` without a poller call (the shim already dropped it). */
  forgetFd(fd: number): void {
    const watch = this.#watches[fd];
    if (watch === undefined) return;
    if (watch.interest !== 0) this.#activeCount--;
    watch.interest = 0;
    this.#watches[fd] = undefined;
    this.#watchCount--;
    watch.drop();
  }

  // ---- running ---------------------------------------------------------

  /** Whether `stop()` was asked for. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Asks the driver to stop after the current iteration. */
  requestStop(): void {
    this.#stopping = true;
    if (this.#parked) this.#nudge();
  }

  /** Clears a stop request (IOLoop can start again after stop). */
  clearStop(): void {
    this.#stopping = false;
  }

  /**
   * Whether anything keeps `run()` going: callbacks, timers (not weak
   * ones), fds with an interest, holds.
   */
  get alive(): boolean {
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
      if (n === EINTR_RESULT) return 0;
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
        if (result < 0 && result !== EINTR_RESULT) reject(waitError(-result));
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
   * Calls `listener()` once when the core closes (a pending promise on a
   * timer rejects instead of waiting forever). Returns its removal.
   */
  onClose(listener: () => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Drops everything and closes the poller (and the fds it opened). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    liveCores.delete(this);
    this.clear();
    this.poller.close();
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const listener of listeners) listener();
  }
}
