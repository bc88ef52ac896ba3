/**
 * `IOEvents`: the readiness masks of `IOLoop.addHandler` and of
 * `watch()`, with epoll's values on every OS (kqueue results are
 * translated by the shim).
 *
 * @module
 */

/**
 * The event masks: what `addHandler` and `watch` are asked for, and what
 * their callbacks receive. `READ`, `PRI` and `WRITE` are interests; `ERR`
 * and `HUP` are never asked for but always reported (the kernel sets them
 * whatever the interest), and `ERROR` is the pair.
 *
 * - `READ`: data can be read, or the peer closed its side (a `read` then
 *   returns 0).
 * - `WRITE`: data can be written (a non-blocking connect completed,
 *   successfully or not: see `fd.socketError`).
 * - `PRI`: an exceptional condition: TCP out-of-band data, or a sysfs
 *   attribute file that changed (a GPIO value file with an `edge` set).
 * - `ERR`: an error is pending on the fd (the next `read`/`write` reports
 *   it); a pipe whose read end is closed reports it to the writer.
 * - `HUP`: hang-up: both directions are closed (a socket whose peer went
 *   away, a pipe without writers, a pty whose other side closed). Data
 *   may still be waiting: read until `read` returns 0 (or EIO on a pty).
 *
 * GPIO and other sysfs attribute files: the kernel reports `PRI | ERR`
 * together when the value changes, and a regular file is always "readable".
 * Watch `PRI` only, test `PRI` in the callback (ERR there does not mean a
 * failure), then seek to 0 and read the value: the read re-arms the
 * notification (as libuv documents for `UV_PRIORITIZED`). Watching `READ`
 * on such a file calls back without pause.
 *
 * @example Combining masks
 * ```ts
 * import { IOEvents, IOLoop } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(IOEvents.READ | IOEvents.WRITE, 0x005);
 * assertEquals(IOEvents.ERR | IOEvents.HUP, IOEvents.ERROR);
 * assertEquals(IOLoop.ERROR, IOEvents.ERROR);
 * ```
 */
export const IOEvents = {
  /** Readable (EPOLLIN). */
  READ: 0x001,
  /** Urgent data: TCP out-of-band, sysfs GPIO edges (EPOLLPRI). */
  PRI: 0x002,
  /** Writable (EPOLLOUT). */
  WRITE: 0x004,
  /** An error is pending (EPOLLERR); always reported, never asked for. */
  ERR: 0x008,
  /** Hang-up (EPOLLHUP); always reported, never asked for. */
  HUP: 0x010,
  /** Error or hang-up (`ERR | HUP`); `IOLoop` always watches it. */
  ERROR: 0x018,
} as const;

/** One of the masks of {@linkcode IOEvents}. */
export type IOEvent = typeof IOEvents[keyof typeof IOEvents];
