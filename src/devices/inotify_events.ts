/**
 * The vocabulary of inotify(7): the `IN_*` bits as `InotifyMask`, their
 * names as `InotifyKind`, the events `watchPath()` delivers, and the
 * parser of `struct inotify_event` records. The record's layout is the
 * same on every Linux architecture (`int32 wd; uint32 mask, cookie, len;`
 * then `len` bytes of NUL-padded name), so it is read here rather than in
 * the shim.
 *
 * @module
 */

/**
 * The `IN_*` bits of inotify(7): events to ask `watchPath()` for, the
 * flags that change how the watch is made, and the bits only the kernel
 * sets (`ISDIR`, `Q_OVERFLOW`, `IGNORED`, `UNMOUNT`).
 *
 * @example A mask for a directory's entries coming and going
 * ```ts
 * import { InotifyMask } from "@evloop/evloop/inotify";
 * import { assertEquals } from "@std/assert";
 *
 * const mask = InotifyMask.CREATE | InotifyMask.DELETE | InotifyMask.MOVE;
 * assertEquals(mask, 0x3c0);
 * ```
 */
export const InotifyMask = {
  /** A file was read. */
  ACCESS: 0x1,
  /** A file was written (or truncated). */
  MODIFY: 0x2,
  /** Metadata changed: permissions, timestamps, owner, links, xattrs. */
  ATTRIB: 0x4,
  /** A file opened for writing was closed. */
  CLOSE_WRITE: 0x8,
  /** A file opened read-only was closed. */
  CLOSE_NOWRITE: 0x10,
  /** A file was opened. */
  OPEN: 0x20,
  /** An entry was renamed away from the watched directory (its name before). */
  MOVED_FROM: 0x40,
  /** An entry was renamed into the watched directory (its name after). */
  MOVED_TO: 0x80,
  /** An entry was created in the watched directory. */
  CREATE: 0x100,
  /** An entry was deleted from the watched directory. */
  DELETE: 0x200,
  /** The watched file or directory itself was deleted. */
  DELETE_SELF: 0x400,
  /** The watched file or directory itself was renamed. */
  MOVE_SELF: 0x800,
  /** Set by the kernel: the filesystem holding the watched path was unmounted. */
  UNMOUNT: 0x2000,
  /** Set by the kernel: its queue overflowed and events were dropped (wd -1). */
  Q_OVERFLOW: 0x4000,
  /** Set by the kernel: the watch was removed; the last record of a watch. */
  IGNORED: 0x8000,
  /** `CLOSE_WRITE | CLOSE_NOWRITE`. */
  CLOSE: 0x18,
  /** `MOVED_FROM | MOVED_TO`. */
  MOVE: 0xc0,
  /** Every event bit a watch can ask for (`ACCESS` to `MOVE_SELF`). */
  ALL_EVENTS: 0xfff,
  /** Flag: fail with ENOTDIR unless the path is a directory. */
  ONLYDIR: 0x01000000,
  /** Flag: watch a symbolic link itself, not what it points to. */
  DONT_FOLLOW: 0x02000000,
  /** Flag: no events for entries already unlinked from the directory. */
  EXCL_UNLINK: 0x04000000,
  /** Flag: one event, then the watch is removed (and the iteration ends). */
  ONESHOT: 0x80000000,
  /** Set by the kernel: the entry named is a directory. */
  ISDIR: 0x40000000,
} as const;

/** The bits a mask given to `watchPath()` may hold: events and flags. */
export const WATCH_BITS = InotifyMask.ALL_EVENTS | InotifyMask.ONLYDIR |
  InotifyMask.DONT_FOLLOW | InotifyMask.EXCL_UNLINK | InotifyMask.ONESHOT;

/** The name of one event bit of a record's mask. */
export type InotifyKind =
  | "access"
  | "modify"
  | "attrib"
  | "closeWrite"
  | "closeNoWrite"
  | "open"
  | "movedFrom"
  | "movedTo"
  | "create"
  | "delete"
  | "deleteSelf"
  | "moveSelf"
  | "unmount"
  | "overflow"
  | "ignored";

/** Each kind's bit, in the order `kinds` lists them. */
const KIND_BITS: readonly (readonly [number, InotifyKind])[] = [
  [InotifyMask.ACCESS, "access"],
  [InotifyMask.MODIFY, "modify"],
  [InotifyMask.ATTRIB, "attrib"],
  [InotifyMask.CLOSE_WRITE, "closeWrite"],
  [InotifyMask.CLOSE_NOWRITE, "closeNoWrite"],
  [InotifyMask.OPEN, "open"],
  [InotifyMask.MOVED_FROM, "movedFrom"],
  [InotifyMask.MOVED_TO, "movedTo"],
  [InotifyMask.CREATE, "create"],
  [InotifyMask.DELETE, "delete"],
  [InotifyMask.DELETE_SELF, "deleteSelf"],
  [InotifyMask.MOVE_SELF, "moveSelf"],
  [InotifyMask.UNMOUNT, "unmount"],
  [InotifyMask.Q_OVERFLOW, "overflow"],
  [InotifyMask.IGNORED, "ignored"],
];

/**
 * The kinds of the event bits set in `mask`, in bit order (flags such as
 * `ISDIR` are not kinds).
 *
 * @example
 * ```ts
 * import { InotifyMask, inotifyKinds } from "@evloop/evloop/inotify";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(inotifyKinds(InotifyMask.CREATE | InotifyMask.ISDIR), ["create"]);
 * ```
 */
export function inotifyKinds(mask: number): InotifyKind[] {
  return KIND_BITS.filter(([bit]) => (mask & bit) !== 0).map(([, kind]) => kind);
}

/** One `struct inotify_event`, as the kernel wrote it. */
export interface InotifyRecord {
  /** The watch descriptor (-1 for a queue overflow). */
  wd: number;
  /** The `IN_*` bits (unsigned). */
  mask: number;
  /** Ties a `MOVED_FROM` to its `MOVED_TO`; 0 for other records. */
  cookie: number;
  /** The entry's name inside the watched directory; "" for the watched path itself. */
  name: string;
}

/** What every event has, whether one record or a rename pair. */
export interface InotifyEventBase {
  /** The watch descriptor (-1 for an `overflow`). */
  wd: number;
  /**
   * The `IN_*` bits (unsigned): the record's, or a rename's two records'
   * OR'ed together.
   */
  mask: number;
  /** The rename cookie (a `movedFrom` or `movedTo`, or a pair); else 0. */
  cookie: number;
  /**
   * The entry's name inside the watched directory ("" for the watched
   * path itself, and for `overflow` and `ignored`); a rename's new name.
   */
  name: string;
  /** The names of the event bits of `mask`, in bit order. */
  kinds: InotifyKind[];
  /** The entry is a directory (`IN_ISDIR`). */
  isDir: boolean;
}

/** One record: everything but a rename that was paired. */
export interface InotifyRecordEvent extends InotifyEventBase {
  /** One record of the kernel's. */
  type: "event";
}

/**
 * A `MOVED_FROM` and the `MOVED_TO` with its cookie, as one event: an
 * entry renamed inside the watched directory.
 */
export interface InotifyRenameEvent extends InotifyEventBase {
  /** A rename inside the watched directory. */
  type: "rename";
  /** The name before. */
  from: string;
  /** The name after (also `name`). */
  to: string;
}

/** What `watchPath()` delivers: a record, or a rename paired by cookie. */
export type InotifyEvent = InotifyRecordEvent | InotifyRenameEvent;

/** The size of a record's header: wd, mask, cookie, len. */
export const RECORD_HEADER = 16;
/** The longest name a record carries (NAME_MAX). */
export const NAME_MAX = 255;

const decoder = new TextDecoder();

/**
 * Parses the records in `buf[0, n)`, back to back. The kernel never splits
 * a record between reads (a buffer too small for the next one gets
 * EINVAL), so a record running past `n` is a bug: it throws.
 *
 * @example
 * ```ts
 * import { parseInotifyRecords } from "@evloop/evloop/inotify";
 * import { assertEquals } from "@std/assert";
 *
 * const buf = new Uint8Array(32);
 * const view = new DataView(buf.buffer);
 * view.setInt32(0, 1, true); // wd
 * view.setUint32(4, 0x100, true); // IN_CREATE
 * view.setUint32(12, 16, true); // len: the name, NUL-padded
 * buf.set(new TextEncoder().encode("a.txt"), 16);
 * assertEquals(parseInotifyRecords(buf, 32), [{ wd: 1, mask: 0x100, cookie: 0, name: "a.txt" }]);
 * ```
 *
 * @throws {RangeError} If `n` is past the buffer's end, or a record runs past `n`.
 */
export function parseInotifyRecords(buf: Uint8Array, n: number): InotifyRecord[] {
  if (!Number.isInteger(n) || n < 0 || n > buf.length) {
    throw new RangeError(`Cannot parse inotify records: n must be 0..${buf.length}, got ${n}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, n);
  const out: InotifyRecord[] = [];
  for (let at = 0; at < n;) {
    if (at + RECORD_HEADER > n) {
      throw new RangeError(`Cannot parse inotify records: a header cut at byte ${at} of ${n}`);
    }
    const len = view.getUint32(at + 12, true);
    const end = at + RECORD_HEADER + len;
    if (end > n) {
      throw new RangeError(
        `Cannot parse inotify records: a record of ${len} name bytes cut at byte ${at} of ${n}`,
      );
    }
    const raw = buf.subarray(at + RECORD_HEADER, end);
    const nul = raw.indexOf(0);
    out.push({
      wd: view.getInt32(at, true),
      mask: view.getUint32(at + 4, true),
      cookie: view.getUint32(at + 8, true),
      name: decoder.decode(nul < 0 ? raw : raw.subarray(0, nul)),
    });
    at = end;
  }
  return out;
}

/** The event of one record. */
export function recordEvent(record: InotifyRecord): InotifyRecordEvent {
  return {
    type: "event",
    wd: record.wd,
    mask: record.mask,
    cookie: record.cookie,
    name: record.name,
    kinds: inotifyKinds(record.mask),
    isDir: (record.mask & InotifyMask.ISDIR) !== 0,
  };
}

/** The event of a `MOVED_FROM` and its `MOVED_TO`. */
export function renameEvent(from: InotifyRecord, to: InotifyRecord): InotifyRenameEvent {
  const mask = (from.mask | to.mask) >>> 0;
  return {
    type: "rename",
    wd: to.wd,
    mask,
    cookie: to.cookie,
    name: to.name,
    kinds: inotifyKinds(mask),
    isDir: (mask & InotifyMask.ISDIR) !== 0,
    from: from.name,
    to: to.name,
  };
}
