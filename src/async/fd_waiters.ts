/**
 * Promises of readiness: `readable(fd)` and `writable(fd)`, and the waits
 * of `streams()`. One `FdWaiters` per fd per loop holds every pending
 * wait, for either direction; its interest is the union of theirs.
 *
 * Re-arming costs nothing in the common loop
 * `for (;;) { await loop.readable(fd); read... }`: a wait that settles
 * leaves its interest registered until a microtask checks whether a new
 * wait took it over (the awaiting code runs first, in an earlier
 * microtask), so a ping-pong makes no `epoll_ctl` call per round.
 *
 * A held fd (the waits of `streams()`, which read or write until EAGAIN
 * before they wait) is armed once, edge-triggered, for each direction it
 * ever waited on, and stays armed until the streams let it go: no
 * `epoll_ctl` per wait and none to trim. Its watch is weak: the loop is
 * held only while a wait is pending. An edge that comes while nothing
 * waits is dropped, except an error or hang-up, which the next wait gets
 * at once (it may have been the fd's last event).
 *
 * @module
 */
import type { FdWatch, LoopCore } from "../core/loop_core.ts";
import { watchError } from "../sys/errors.ts";
import { IOEvents } from "../core/io_events.ts";
import { EDGE } from "../core/poller.ts";
import { deferred, onAbort, signalOf } from "./abort.ts";
import { checkFd } from "../sys/validate.ts";
import { liveWatchOf, ownedError } from "./watch.ts";

const READ_BITS = IOEvents.READ | IOEvents.ERR | IOEvents.HUP;
const WRITE_BITS = IOEvents.WRITE | IOEvents.ERR | IOEvents.HUP;

interface Waiter {
  resolve(events: number): void;
  reject(reason: unknown): void;
  unsubscribe(): void;
}

/** The pending readiness waits on one fd. */
export class FdWaiters implements FdWatch {
  readonly fd: number;
  interest = 0;
  /** Owned by one user (a streams pair) that keeps the fd while idle. */
  readonly held: boolean;
  /** Held: armed edge-triggered between waits, keeping nothing alive. */
  readonly weak: boolean;
  #core: LoopCore;
  #reads: Waiter[] = [];
  #writes: Waiter[] = [];
  #trimQueued = false;
  #ended: unknown = undefined;
  #lost = false;
  /** Held: whether this holds the loop (a wait is pending). */
  #holding = false;
  /** Held: an error or hang-up reported while no wait was pending. */
  #missed = 0;

  private constructor(core: LoopCore, fd: number, held: boolean) {
    this.#core = core;
    this.fd = fd;
    this.held = held;
    this.weak = held;
  }

  /**
   * The shared waits of `fd` (made on first use).
   *
   * @throws {SystemError} EEXIST if another owner watches `fd`.
   */
  static of(core: LoopCore, fd: number, action: string): FdWaiters {
    const existing = core.watchOf(fd);
    if (existing === undefined) return new FdWaiters(core, fd, false);
    // Re-arming must stay free of system calls: staleness is only checked
    // before refusing.
    if (existing instanceof FdWaiters && !existing.held) return existing;
    const live = liveWatchOf(core, fd);
    if (live === undefined) return new FdWaiters(core, fd, false);
    throw ownedError(fd, action);
  }

  /**
   * Waits owned by one user: the fd stays owned (paused) between waits,
   * until `end()`.
   *
   * @throws {SystemError} EEXIST if another owner watches `fd`.
   */
  static held(core: LoopCore, fd: number, action: string): FdWaiters {
    if (liveWatchOf(core, fd) !== undefined) throw ownedError(fd, action);
    const waiters = new FdWaiters(core, fd, true);
    core.setInterest(waiters, 0, false, true);
    return waiters;
  }

  /**
   * Whether the fd went away under the waits: closed with `fd.close` (its
   * number may name another file now), or the loop closed.
   */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * Lets the fd go if no wait is pending and no user holds it (the
   * interest of settled waits stays registered until a microtask trims
   * it: a new owner need not wait for that).
   */
  releaseIfIdle(): boolean {
    if (this.held || this.size > 0) return false;
    if (this.#core.watchOf(this.fd) === this) this.#core.setInterest(this, 0);
    return true;
  }

  /** Pending waits. */
  get size(): number {
    return this.#reads.length + this.#writes.length;
  }

  /**
   * Resolves with the fired mask once the fd is readable (`READ`) or
   * writable (`WRITE`), or has an error or a hang-up.
   */
  wait(direction: number, signal: AbortSignal | undefined, action: string): Promise<number> {
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    // An error or hang-up whose edge came while nothing waited: there may
    // be no further edge.
    if (this.#missed !== 0) {
      const missed = this.#missed;
      this.#missed = 0;
      return Promise.resolve(missed);
    }
    const list = direction === IOEvents.READ ? this.#reads : this.#writes;
    const { promise, resolve, reject } = deferred<number>();
    const waiter: Waiter = {
      resolve,
      reject,
      unsubscribe: onAbort(signal, (reason) => {
        const at = list.indexOf(waiter);
        if (at >= 0) list.splice(at, 1);
        if (this.held) this.#holdWhileWaiting();
        else this.#queueTrim();
        reject(reason);
      }),
    };
    list.push(waiter);
    if ((direction & ~this.interest) !== 0) {
      // Held: armed edge-triggered, once per direction.
      const interest = this.held ? (this.interest | direction | EDGE) : this.interest | direction;
      const result = this.#core.setInterest(this, interest, false, this.held);
      if (result < 0) {
        list.pop();
        waiter.unsubscribe();
        return Promise.reject(watchError(-result, action, this.fd));
      }
    }
    if (this.held) this.#holdWhileWaiting();
    return promise;
  }

  /** Held: holds the loop while a wait is pending, and only then. */
  #holdWhileWaiting(): void {
    const waiting = this.size > 0 && this.#ended === undefined;
    if (waiting === this.#holding) return;
    this.#holding = waiting;
    if (waiting) this.#core.hold();
    else this.#core.release();
  }

  dispatch(events: number): void {
    // Settling a promise runs no user code here: the awaiting code runs
    // in a microtask, after this iteration's callbacks.
    if (this.held && this.size === 0) this.#missed |= events & (IOEvents.ERR | IOEvents.HUP);
    if ((events & READ_BITS) !== 0 && this.#reads.length > 0) settle(this.#reads, events);
    if ((events & WRITE_BITS) !== 0 && this.#writes.length > 0) settle(this.#writes, events);
    if (!this.held) {
      this.#queueTrim();
      return;
    }
    this.#holdWhileWaiting();
  }

  /** Rejects every pending wait with `reason` and lets the fd go. */
  end(reason: unknown): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    this.#fail(reason);
    if (this.#core.watchOf(this.fd) === this) this.#core.setInterest(this, 0);
  }

  drop(): void {
    this.#lost = true;
    const reason = new Error(
      this.#core.closed
        ? `Cannot wait for fd ${this.fd}: the loop was closed`
        : `Cannot wait for fd ${this.fd}: it was closed or forgotten`,
    );
    this.#ended ??= reason;
    this.#fail(reason);
  }

  #fail(reason: unknown): void {
    const waiters = [...this.#reads, ...this.#writes];
    this.#reads.length = 0;
    this.#writes.length = 0;
    for (const waiter of waiters) {
      waiter.unsubscribe();
      waiter.reject(reason);
    }
    if (this.#holding) {
      this.#holding = false;
      this.#core.release();
    }
  }

  #queueTrim(): void {
    if (this.#trimQueued) return;
    this.#trimQueued = true;
    queueMicrotask(this.#trim);
  }

  /** Drops interests no wait needs any more (0: lets the fd go, unless held). */
  #trim = (): void => {
    this.#trimQueued = false;
    if (this.#ended !== undefined || this.#core.watchOf(this.fd) !== this) return;
    const wanted = (this.#reads.length > 0 ? IOEvents.READ : 0) |
      (this.#writes.length > 0 ? IOEvents.WRITE : 0);
    if (wanted !== this.interest) this.#core.setInterest(this, wanted, false, this.held);
  };
}

function settle(list: Waiter[], events: number): void {
  // Most often one waiter: no copy of the list on the hot path.
  if (list.length === 1) {
    const waiter = list.pop()!;
    waiter.unsubscribe();
    waiter.resolve(events);
    return;
  }
  for (const waiter of list.splice(0)) {
    waiter.unsubscribe();
    waiter.resolve(events);
  }
}

/**
 * `loop.readable(fd)` / `loop.writable(fd)`: resolves with the fired mask.
 * Errors (bad arguments, a closed loop, EEXIST, the kernel's refusal)
 * reject; nothing is registered when the signal is aborted already.
 */
export function waitFd(
  core: LoopCore,
  fd: number,
  direction: typeof IOEvents.READ | typeof IOEvents.WRITE,
  options: unknown,
): Promise<number> {
  const action = `Cannot wait for fd ${fd} to be ${
    direction === IOEvents.READ ? "readable" : "writable"
  }`;
  // No closure per call: this is the hot path of an await ping-pong.
  try {
    checkFd(fd, action);
    const signal = options === undefined ? undefined : signalOf(options, action);
    core.checkUsable(action);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return FdWaiters.of(core, fd, action).wait(direction, signal, action);
  } catch (error) {
    return Promise.reject(error);
  }
}
