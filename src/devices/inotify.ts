/**
 * `watchPath(path, mask, { loop? })`: an inotify(7) watch of one path as an
 * async iterator of typed events, on an evloop loop (the device loop when
 * none is given). Each watch has an
 * inotify fd of its own, read only when the iterator is asked for more
 * (the kernel's queue is the buffer; past it, an `overflow` event says
 * records were dropped). A `MOVED_FROM` and its `MOVED_TO` come as one
 * `rename` event; the iteration ends after the watch's `IN_IGNORED`, on
 * `return()` (`break`), or on an abort, and each way the fd is closed.
 *
 * @module
 */
import { lib } from "../../ffi/load.ts";
import { LoopSurface } from "../api/loop_surface.ts";
import { deviceLoop, holdDeviceLoop } from "./device_loop.ts";
import { Errno, SystemError } from "../sys/errors.ts";
import * as fdio from "../sys/fd.ts";
import { describe } from "../sys/validate.ts";
import { eitherSignal, onAbort, signalOf } from "../async/abort.ts";
import {
  type InotifyEvent,
  InotifyMask,
  type InotifyRecord,
  NAME_MAX,
  parseInotifyRecords,
  RECORD_HEADER,
  recordEvent,
  renameEvent,
  WATCH_BITS,
} from "./inotify_events.ts";

/** Options for `watchPath()`. */
export interface WatchPathOptions {
  /**
   * The loop whose thread reads the watch (an `EventLoop` or an `IOLoop`).
   * Without one, the device loop (`deviceLoop()` of the serial entry
   * point): it runs while a watch or a port holds it, so the program needs
   * no `run()` of its own and can exit once every watch has ended.
   *
   * @default {deviceLoop()}
   */
  loop?: LoopSurface;
  /**
   * Ends the iteration: a pending `next()` rejects with `signal.reason`,
   * later ones are done, and the fd is closed. Already aborted,
   * `watchPath()` throws the reason and opens nothing.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * How long a `MOVED_FROM` waits for its `MOVED_TO` when the two were
   * not read together, in milliseconds; past it, it is delivered alone
   * (the entry left the watched directory).
   *
   * @default {10}
   */
  renameWindowMs?: number;
}

/**
 * Bytes per read: many records at once, and always room for the largest
 * (16 + NAME_MAX + 1, at least 4096 more than that): a buffer too small
 * for the next record gets EINVAL.
 */
const READ_SIZE = Math.max(65536, 4096 + RECORD_HEADER + NAME_MAX + 1);

let buffer: Uint8Array | undefined;

/**
 * The buffer every watch of this thread reads into: a read is parsed at
 * once, before anything else runs, so one is enough (and a thousand
 * watches do not hold 64 MiB).
 */
function readBuffer(): Uint8Array {
  return buffer ??= new Uint8Array(READ_SIZE);
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** A place in the delivery order: an event, or a `MOVED_FROM` waiting for its pair. */
interface Slot {
  event?: InotifyEvent;
  from?: InotifyRecord;
  /** performance.now() past which `from` is delivered alone. */
  deadline: number;
}

/**
 * What `watchPath()` returns: an async iterator of the watch's events
 * whose `return()` (called by `break`) and `[Symbol.dispose]` (for
 * `using`) end it and close the inotify fd.
 *
 * @example Two events, then `break`
 * ```ts
 * import { EventLoop } from "@evloop/evloop";
 * import { InotifyMask, watchPath } from "@evloop/evloop/inotify";
 * import { assertEquals } from "@std/assert";
 * import { mkdtempSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * using loop = new EventLoop();
 * const dir = mkdtempSync(join(tmpdir(), "inotify-doc-"));
 * using watch = watchPath(dir, InotifyMask.CREATE | InotifyMask.DELETE, { loop });
 * const running = loop.run();
 * writeFileSync(join(dir, "a"), "");
 * unlinkSync(join(dir, "a"));
 * const seen: string[] = [];
 * for await (const event of watch) {
 *   seen.push(`${event.kinds} ${event.name}`);
 *   if (seen.length === 2) break;
 * }
 * await running;
 * rmdirSync(dir);
 * assertEquals(seen, ["create a", "delete a"]);
 * ```
 */
export interface InotifyWatch extends AsyncIterableIterator<InotifyEvent>, Disposable {
  /** The inotify fd (-1 once closed). */
  readonly fd: number;
  /** The watch descriptor. */
  readonly wd: number;
  /** The path watched, as given. */
  readonly path: string;
  /** The next event (waits for one; done once the iteration ended). */
  next(): Promise<IteratorResult<InotifyEvent>>;
  /** Ends the iteration and closes the fd. */
  return(): Promise<IteratorResult<InotifyEvent>>;
}

/** The iterator behind `watchPath()`. */
class PathWatch implements InotifyWatch {
  readonly wd: number;
  readonly path: string;
  #fd: number;
  #loop: LoopSurface;
  #window: number;
  /** Events in the kernel's order, from `#head` on. */
  #slots: Slot[] = [];
  #head = 0;
  /** IN_IGNORED was read: no record follows it. */
  #drained = false;
  #closed = false;
  /** An abort's reason, for the first next() that finds the watch closed. */
  #reason: unknown = undefined;
  /** Aborted on close: wakes a pending readable() wait. */
  #wake = new AbortController();
  /** next() calls run one after another. */
  #queue: Promise<unknown> = Promise.resolve();
  /** next() calls in #queue. */
  #pulling = 0;
  #unsubscribe: () => void = () => {};
  /** Lets the device loop go, when the watch holds it. */
  #release: (() => Promise<void>) | undefined;

  constructor(
    loop: LoopSurface,
    fd: number,
    wd: number,
    path: string,
    window: number,
    release: (() => Promise<void>) | undefined,
  ) {
    this.#loop = loop;
    this.#release = release;
    this.#fd = fd;
    this.wd = wd;
    this.path = path;
    this.#window = window;
  }

  get fd(): number {
    return this.#fd;
  }

  /** Ends the watch on an abort of `signal`, and when the loop closes. */
  listen(signal: AbortSignal | undefined): void {
    const offAbort = onAbort(signal, (reason) => this.#close(reason));
    const offClose = this.#loop._core.onClose(() =>
      this.#close(new Error(`Cannot watch ${JSON.stringify(this.path)}: the loop was closed`))
    );
    this.#unsubscribe = () => {
      offAbort();
      offClose();
    };
  }

  next(): Promise<IteratorResult<InotifyEvent>> {
    // The common case: nothing in flight and an event ready (a read
    // brings many): no promise chain.
    if (this.#pulling === 0 && !this.#closed) {
      const event = this.#slots[this.#head]?.event;
      if (event !== undefined) return Promise.resolve(this.#deliver(event));
    }
    this.#pulling++;
    const result = this.#queue.then(() => this.#pull()).finally(() => this.#pulling--);
    this.#queue = result.catch(() => {});
    return result;
  }

  return(): Promise<IteratorResult<InotifyEvent>> {
    this.#close(undefined);
    this.#reason = undefined;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): InotifyWatch {
    return this;
  }

  /** Ends the iteration (for `using`): as `return()`. */
  [Symbol.dispose](): void {
    this.#close(undefined);
  }

  async #pull(): Promise<IteratorResult<InotifyEvent>> {
    for (;;) {
      if (this.#closed) return this.#ended();
      const head = this.#slots[this.#head];
      if (head?.event !== undefined) return this.#deliver(head.event);
      if (head !== undefined && this.#drained) {
        this.#unpair(head);
        continue;
      }
      // A held MOVED_FROM past its window gets one more read to find its
      // MOVED_TO (a slow reader finds both queued), then goes alone.
      const late = head !== undefined && performance.now() >= head.deadline;
      const read = this.#read();
      if (late) {
        if (head.event === undefined) this.#unpair(head);
        continue;
      }
      if (read) continue;
      // Nothing to read yet: wait for the fd (and for a held MOVED_FROM,
      // no longer than its window).
      const timeout = head === undefined
        ? undefined
        : this.#loop.abortAfter(Math.max(0, head.deadline - performance.now()));
      // Either ends the wait (eitherSignal: a link to the long-lived #wake
      // that goes when the wait ends).
      const either = eitherSignal(this.#wake.signal, timeout);
      try {
        await this.#loop.readable(this.#fd, { signal: either.signal });
      } catch (error) {
        if (this.#closed) continue; // closed while waiting
        if (timeout?.aborted) continue; // the window passed
        this.#close(undefined);
        throw error;
      } finally {
        either.unlink();
      }
    }
  }

  /** Takes the head slot's event. */
  #deliver(event: InotifyEvent): IteratorResult<InotifyEvent> {
    this.#take();
    // The watch's last record: nothing can follow, so the fd goes now.
    if (event.mask & InotifyMask.IGNORED) this.#close(undefined);
    return { done: false, value: event };
  }

  /** Drops the delivered head slot. */
  #take(): void {
    this.#slots[this.#head++] = undefined as unknown as Slot;
    if (this.#head === this.#slots.length) {
      this.#slots.length = 0;
      this.#head = 0;
    }
  }

  /** What a next() after the close gets: the abort's reason once, then done. */
  #ended(): Promise<IteratorResult<InotifyEvent>> {
    const reason = this.#reason;
    if (reason === undefined) return Promise.resolve(DONE);
    this.#reason = undefined;
    return Promise.reject(reason);
  }

  /** Reads what the kernel has queued into slots; false if nothing was. */
  #read(): boolean {
    let records: InotifyRecord[];
    try {
      const n = fdio.read(this.#fd, readBuffer());
      if (n === null || n === 0) return false;
      records = parseInotifyRecords(readBuffer(), n);
    } catch (error) {
      this.#close(undefined);
      throw error;
    }
    for (const record of records) this.#add(record);
    return true;
  }

  /** Puts a record in its slot: pairs a MOVED_TO with its held MOVED_FROM. */
  #add(record: InotifyRecord): void {
    if (record.mask & InotifyMask.IGNORED) this.#drained = true;
    if (record.mask & InotifyMask.MOVED_FROM) {
      this.#slots.push({ from: record, deadline: performance.now() + this.#window });
      return;
    }
    if (record.mask & InotifyMask.MOVED_TO) {
      // Its MOVED_FROM is almost always the latest slot: search back.
      const slot = this.#slots.findLast((s, i) =>
        i >= this.#head && s.from?.cookie === record.cookie
      );
      if (slot !== undefined) {
        slot.event = renameEvent(slot.from!, record);
        slot.from = undefined;
        return;
      }
    }
    this.#slots.push({ event: recordEvent(record), deadline: 0 });
  }

  /** Delivers a held MOVED_FROM alone: its MOVED_TO did not come. */
  #unpair(slot: Slot): void {
    slot.event = recordEvent(slot.from!);
    slot.from = undefined;
  }

  /** Closes the fd (removing the watch); a pending next() ends with `reason`. */
  #close(reason: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reason = reason;
    this.#unsubscribe();
    this.#slots.length = 0;
    this.#head = 0;
    this.#wake.abort();
    const fd = this.#fd;
    this.#fd = -1;
    fdio.close(fd);
    const release = this.#release;
    this.#release = undefined;
    void release?.();
  }
}

/**
 * Watches `path` with inotify(7) for the `IN_*` events of `mask` (see
 * `InotifyMask`), read on `loop`'s thread; returns an async iterator of
 * events. Each event names its entry (`name`, "" for the watched path
 * itself) and its `kinds`; a rename inside a watched directory is one
 * `rename` event with `from` and `to` (paired by cookie). The last event
 * of a watch is `ignored`: the path was deleted (after `deleteSelf`), its
 * filesystem unmounted (after `unmount`), or `ONESHOT` fired; the
 * iteration then ends and the fd is closed. `break`, `return()`, `using`
 * and an abort close it too. A reader waiting for the next event keeps the
 * loop going. Linux only: elsewhere it throws a `SystemError` with code
 * `ENOSYS`.
 *
 * @example Files created in a directory
 * ```ts
 * import { EventLoop } from "@evloop/evloop";
 * import { InotifyMask, watchPath } from "@evloop/evloop/inotify";
 * import { assertEquals } from "@std/assert";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * using loop = new EventLoop();
 * const dir = mkdtempSync(join(tmpdir(), "inotify-doc-"));
 * const watch = watchPath(dir, InotifyMask.CREATE, { loop });
 * const running = loop.run();
 * writeFileSync(join(dir, "one"), "");
 * writeFileSync(join(dir, "two"), "");
 * const names: string[] = [];
 * for await (const event of watch) {
 *   names.push(event.name);
 *   if (names.length === 2) break; // closes the inotify fd
 * }
 * await running;
 * rmSync(dir, { recursive: true });
 * assertEquals(names, ["one", "two"]);
 * ```
 *
 * @param path The file or directory to watch.
 * @param mask `InotifyMask` event bits (at least one), with the flags
 * `ONLYDIR`, `DONT_FOLLOW`, `EXCL_UNLINK` and `ONESHOT`.
 * @param options `{ loop?, signal?, renameWindowMs? }`: see `WatchPathOptions`;
 * without a loop, the device loop runs the watch until it ends.
 * @throws {TypeError} If path is not a string (or holds a NUL), mask is not
 * a number, the options not an object, or `loop` not an EventLoop or IOLoop.
 * @throws {RangeError} For a mask with no event bit, or a bit
 * `watchPath` does not take, or a bad `renameWindowMs`.
 * @throws {Error} If the loop is closed.
 * @throws {SystemError} Naming the path: ENOENT, EACCES, ENOTDIR (with
 * `ONLYDIR`), ENOSPC (the per-user watch limit), EMFILE (the per-user
 * inotify limit), ENOSYS (not Linux).
 */
export function watchPath(path: string, mask: number, options?: WatchPathOptions): InotifyWatch {
  const action = `Cannot watch ${typeof path === "string" ? JSON.stringify(path) : "a path"}`;
  if (typeof path !== "string") {
    throw new TypeError(`${action}: path must be a string, got ${describe(path)}`);
  }
  if (path.includes("\0")) throw new TypeError(`${action}: path holds a NUL character`);
  checkMask(mask, action);
  const signal = signalOf(options, action);
  const given = (options as WatchPathOptions | undefined)?.loop;
  if (given !== undefined && !(given instanceof LoopSurface)) {
    throw new TypeError(
      `${action}: options.loop must be an EventLoop or an IOLoop, got ${describe(given)}`,
    );
  }
  const window = options?.renameWindowMs ?? 10;
  if (typeof window !== "number" || !Number.isFinite(window) || window < 0) {
    throw new RangeError(
      `${action}: renameWindowMs must be a finite number >= 0, got ${describe(window)}`,
    );
  }
  if (signal?.aborted) throw signal.reason;
  // A closed loop refuses before an fd is opened (and a loop that is not
  // running says so once, a second later, as every wait does).
  given?._core.checkUsable(action);
  const fd = lib.el_inotify_init();
  if (fd < 0) throw inotifyError(-fd, "inotify_init1", action);
  const wd = lib.el_inotify_add_watch(fd, new TextEncoder().encode(`${path}\0`), mask >>> 0);
  if (wd < 0) {
    fdio.close(fd);
    throw inotifyError(-wd, "inotify_add_watch", action);
  }
  // No loop given: the device loop, held (running) until the watch ends.
  const loop = given ?? deviceLoop();
  const release = given === undefined ? holdDeviceLoop() : undefined;
  const watch = new PathWatch(loop, fd, wd, path, window, release);
  watch.listen(signal);
  return watch;
}

/** Checks a mask: 32 bits (signed or not) with an event bit and only bits `watchPath` takes. */
function checkMask(mask: unknown, action: string): asserts mask is number {
  if (typeof mask !== "number") {
    throw new TypeError(`${action}: mask must be a number, got ${describe(mask)}`);
  }
  // Signed too: `|` with ONESHOT (bit 31) gives a negative number.
  if (!Number.isInteger(mask) || mask < -0x80000000 || mask > 0xffffffff) {
    throw new RangeError(`${action}: mask must be a 32-bit integer, got ${mask}`);
  }
  if ((mask & InotifyMask.ALL_EVENTS) === 0) {
    throw new RangeError(
      `${action}: mask has no event bit (InotifyMask.CREATE, MODIFY, ...), got 0x${
        mask.toString(16)
      }`,
    );
  }
  const unknown = (mask & ~WATCH_BITS) >>> 0;
  if (unknown !== 0) {
    throw new RangeError(
      `${action}: mask has bits watchPath does not take: 0x${unknown.toString(16)}`,
    );
  }
}

/** The SystemError of a failed inotify call, with a plain word for ENOSYS. */
function inotifyError(errno: number, syscall: string, action: string): SystemError {
  if (errno === Errno.ENOSYS) {
    return new SystemError(
      errno,
      syscall,
      action,
      "inotify is Linux's; this system has none (on macOS and the BSDs, kqueue's EVFILT_VNODE)",
    );
  }
  if (errno === Errno.EMFILE && syscall === "inotify_init1") {
    return new SystemError(
      errno,
      syscall,
      action,
      "too many inotify instances for this user (fs.inotify.max_user_instances; each " +
        "watchPath is one), or too many open fds in this process",
    );
  }
  if (errno === Errno.ENOSPC && syscall === "inotify_add_watch") {
    return new SystemError(
      errno,
      syscall,
      action,
      "the per-user inotify watch limit is reached (fs.inotify.max_user_watches)",
    );
  }
  return new SystemError(errno, syscall, action);
}
