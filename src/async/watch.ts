/**
 * `Watch`: one owner of an fd on a loop, told the fired event mask. The
 * modern counterpart of `addReader`/`addWriter` (which cannot wait for
 * `PRI`, cannot tell a hang-up from readability, and need two calls and a
 * new Handler to go from read to write interest).
 *
 * @module
 */
import type { FdWatch, LoopCore } from "../core/loop_core.ts";
import { alreadyWatched, type SystemError, watchError } from "../sys/errors.ts";
import { checkCallback, Handler, retire } from "../core/handler.ts";
import { IOEvents } from "../core/io_events.ts";
import { checkFd, describe } from "../sys/validate.ts";

/** The interests a watch may ask for. */
const INTERESTS = IOEvents.READ | IOEvents.PRI | IOEvents.WRITE;
/** Reported whatever the interest. */
const ALWAYS = IOEvents.ERR | IOEvents.HUP;

/** The SystemError (EEXIST) for an fd another owner watches on this loop. */
export function ownedError(fd: number, action: string): SystemError {
  return alreadyWatched(action, `fd ${fd} is already watched on this loop (one owner per fd)`);
}

/** A watch that holds its fd only until a microtask lets it go. */
interface Releasable {
  /** Lets the fd go if nothing waits on it; returns whether it did. */
  releaseIfIdle(): boolean;
}

/**
 * The watch that owns `fd`, after letting go of one that no longer does:
 * settled `readable()`/`writable()` waits whose interest is still
 * registered (so `await loop.writable(fd)` then `loop.streams(fd)` works),
 * and a watch whose fd was closed behind the loop's back (its number
 * maybe reused: the new file is not watched).
 */
export function liveWatchOf(core: LoopCore, fd: number): FdWatch | undefined {
  const watch = core.watchOf(fd);
  if (watch === undefined) return undefined;
  if ("releaseIfIdle" in watch && (watch as FdWatch & Releasable).releaseIfIdle()) {
    return core.watchOf(fd);
  }
  if (core.isStale(fd)) core.forget(fd);
  return core.watchOf(fd);
}

/** Checks a watch's events: a mask of READ, PRI and WRITE (0 pauses). */
function checkWatchEvents(events: unknown, action: string): asserts events is number {
  if (typeof events !== "number") {
    throw new TypeError(`${action}: events must be a number, got ${describe(events)}`);
  }
  if (!Number.isInteger(events) || events < 0 || (events & ~INTERESTS) !== 0) {
    throw new RangeError(
      `${action}: events must be a mask of IOEvents.READ, PRI and WRITE, got ${events}`,
    );
  }
}

/** The core's side of a Watch. */
class WatchEntry implements FdWatch {
  readonly fd: number;
  interest = 0;
  /** What the user asked for (the interest, unless a change failed). */
  events: number;
  /** Bits reported since the callback last ran. */
  pending = 0;
  cancelled = false;
  handler!: Handler;

  constructor(fd: number, events: number) {
    this.fd = fd;
    this.events = events;
  }

  dispatch(events: number, core: LoopCore): void {
    const bits = events & (this.events | ALWAYS);
    if (bits === 0 || this.cancelled) return;
    if (this.pending === 0) core.enqueue(this.handler);
    this.pending |= bits;
  }

  /** The pending bits still wanted (the mask may have changed since). */
  take(): number {
    const bits = this.pending & (this.events | ALWAYS);
    this.pending = 0;
    return this.cancelled ? 0 : bits;
  }

  drop(): void {
    this.cancelled = true;
    this.pending = 0;
    retire(this.handler);
  }
}

/**
 * A watch on one fd: the loop calls its callback with the fired mask of
 * {@linkcode IOEvents} while the fd is ready (level-triggered), error and
 * hang-up bits included even when not asked for. Made by `loop.watch()`.
 * One owner per fd per loop: while it lives, `addReader`, `addWriter`,
 * another `watch` or `readable()` on the fd throws a `SystemError` with
 * `code: "EEXIST"`.
 *
 * @example From read to write interest with one system call
 * ```ts
 * import { EventLoop, fd, IOEvents } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * using loop = new EventLoop();
 * const [a, b] = fd.socketpair();
 * const seen: number[] = [];
 * using watch = loop.watch(a, IOEvents.WRITE, (events) => {
 *   seen.push(events);
 *   if (events & IOEvents.WRITE) {
 *     fd.write(a, new Uint8Array([1]));
 *     watch.update(IOEvents.READ); // now wait for the reply
 *   } else {
 *     watch.cancel();
 *   }
 * });
 * loop.addReader(b, () => {
 *   fd.read(b, new Uint8Array(1));
 *   fd.write(b, new Uint8Array([2]));
 *   loop.removeReader(b);
 * });
 * await loop.run();
 * assertEquals(seen, [IOEvents.WRITE, IOEvents.READ]);
 * fd.close(a);
 * fd.close(b);
 * ```
 */
export class Watch implements Disposable {
  #core: LoopCore;
  #entry: WatchEntry;

  /**
   * @internal Made by `loop.watch()` only.
   * @throws {SystemError} EEXIST if `fd` is watched on this loop already,
   * or what the kernel said (EBADF, EPERM for a regular file).
   */
  constructor(
    core: LoopCore,
    fd: number,
    events: number,
    callback: (events: number) => unknown,
  ) {
    const action = `Cannot watch fd ${fd}`;
    checkFd(fd, action);
    checkWatchEvents(events, action);
    checkCallback(callback, `Cannot watch fd ${fd}`);
    if (core.closed) throw new Error(`${action}: the loop is closed`);
    if (liveWatchOf(core, fd) !== undefined) throw ownedError(fd, action);
    const entry = new WatchEntry(fd, events);
    const run = () => {
      const bits = entry.take();
      if (bits !== 0) return callback(bits);
    };
    // Exception reports name the user's callback, not this trampoline.
    Object.defineProperty(run, "name", { value: callback.name });
    entry.handler = new Handler(run, []);
    const result = core.setInterest(entry, events, false, true);
    if (result < 0) throw watchError(-result, action, fd);
    this.#core = core;
    this.#entry = entry;
  }

  /** The watched fd. */
  get fd(): number {
    return this.#entry.fd;
  }

  /** The events asked for (0 while paused). */
  get events(): number {
    return this.#entry.events;
  }

  /**
   * Whether the watch ended: `cancel()`, the loop closed, or the fd was
   * closed with `fd.close`.
   */
  get cancelled(): boolean {
    return this.#entry.cancelled;
  }

  /**
   * Changes the events asked for, with one system call. `0` pauses the
   * watch: the fd stays owned but is not watched, and the watch does not
   * keep `run()` going. Events already reported but not yet handled are
   * filtered by the new mask.
   *
   * @example Pausing
   * ```ts
   * import { EventLoop, fd, IOEvents } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [r, w] = fd.pipe();
   * using watch = loop.watch(r, IOEvents.READ, () => {});
   * watch.update(0);
   * assertEquals(watch.events, 0);
   * await loop.run(); // a paused watch does not keep the loop running
   * fd.close(r);
   * fd.close(w);
   * ```
   *
   * @param events A mask of `IOEvents.READ`, `PRI` and `WRITE`, or 0.
   * @throws {TypeError} If events is not a number.
   * @throws {RangeError} For other bits.
   * @throws {Error} If the watch was cancelled.
   * @throws {SystemError} If the kernel refused (the old events stay).
   */
  update(events: number): void {
    const entry = this.#entry;
    const action = `Cannot update the watch of fd ${entry.fd}`;
    checkWatchEvents(events, action);
    if (entry.cancelled) throw new Error(`${action}: it is cancelled`);
    const result = this.#core.setInterest(entry, events, false, true);
    if (result < 0) throw watchError(-result, action, entry.fd);
    entry.events = events;
  }

  /**
   * Ends the watch: the callback is not called again, even for events
   * already reported, and the fd is free for another owner. The fd stays
   * open. Calling it again does nothing.
   *
   * @example
   * ```ts
   * import { EventLoop, fd, IOEvents } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [r, w] = fd.pipe();
   * const watch = loop.watch(r, IOEvents.READ, () => {});
   * watch.cancel();
   * assert(watch.cancelled);
   * loop.addReader(r, () => {}); // the fd is free again
   * loop.removeReader(r);
   * fd.close(r);
   * fd.close(w);
   * ```
   */
  cancel(): void {
    const entry = this.#entry;
    if (entry.cancelled) return;
    entry.drop();
    // Removal cannot fail: a gone fd counts as removed.
    if (this.#core.watchOf(entry.fd) === entry) this.#core.setInterest(entry, 0);
  }

  /** Cancels the watch (for `using`). */
  [Symbol.dispose](): void {
    this.cancel();
  }
}
