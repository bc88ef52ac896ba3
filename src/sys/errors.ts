/**
 * `SystemError`: a failed system call, shaped like Node's (`code`, `errno`,
 * `syscall`), built from the shim's `-errno` results.
 *
 * @module
 */
import { lib, shimString } from "../../ffi/load.ts";

/** The errno names the shim knows (csrc/core.c, ERRNO_NAMES). */
const ERRNO_NAMES = [
  "EPERM",
  "ENOENT",
  "ESRCH",
  "EINTR",
  "EIO",
  "ENXIO",
  "E2BIG",
  "ENOEXEC",
  "EBADF",
  "ECHILD",
  "EAGAIN",
  "ENOMEM",
  "EACCES",
  "EFAULT",
  "EBUSY",
  "EEXIST",
  "EXDEV",
  "ENODEV",
  "ENOTDIR",
  "EISDIR",
  "EINVAL",
  "ENFILE",
  "EMFILE",
  "ENOTTY",
  "EFBIG",
  "ENOSPC",
  "ESPIPE",
  "EROFS",
  "EMLINK",
  "EPIPE",
  "EDOM",
  "ERANGE",
  "EDEADLK",
  "ENAMETOOLONG",
  "ENOSYS",
  "ENOTEMPTY",
  "ELOOP",
  "ENOTSOCK",
  "EDESTADDRREQ",
  "EMSGSIZE",
  "EPROTOTYPE",
  "ENOPROTOOPT",
  "EPROTONOSUPPORT",
  "EOPNOTSUPP",
  "EAFNOSUPPORT",
  "EADDRINUSE",
  "EADDRNOTAVAIL",
  "ENETDOWN",
  "ENETUNREACH",
  "ECONNABORTED",
  "ECONNRESET",
  "ENOBUFS",
  "EISCONN",
  "ENOTCONN",
  "ETIMEDOUT",
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "EALREADY",
  "EINPROGRESS",
  "ESTALE",
  "ECANCELED",
  "EOVERFLOW",
] as const;

/** One errno name the shim knows. */
export type ErrnoName = typeof ERRNO_NAMES[number];

/**
 * The errno numbers of this OS by name, read from the shim once at load
 * (they differ between Linux, macOS and the BSDs): compare a shim result
 * as `result === -Errno.EAGAIN`.
 *
 * @example
 * ```ts
 * import { Errno, errnoName } from "./errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(errnoName(Errno.EBADF), "EBADF");
 * ```
 */
export const Errno: Readonly<Record<ErrnoName, number>> = (() => {
  const byName = new Map<string, number>();
  for (let errno = 1; errno < 256; errno++) {
    const name = shimString((buf, len) => lib.el_errno_name(errno, buf, len));
    if (name !== undefined && !byName.has(name)) byName.set(name, errno);
  }
  const table = {} as Record<ErrnoName, number>;
  for (const name of ERRNO_NAMES) {
    const errno = byName.get(name);
    if (errno === undefined) throw new Error(`Cannot load the shim: it does not name ${name}`);
    table[name] = errno;
  }
  return Object.freeze(table);
})();

/**
 * The symbolic name of an errno ("EBADF"), or "E<number>" for one without
 * a name here. The numbers differ between OSes; compare names. A negative
 * errno (the shim's and many C libraries' `-errno` results) reads the same.
 *
 * @example
 * ```ts
 * import { errnoName } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(errnoName(9), "EBADF"); // Linux and macOS
 * assertEquals(errnoName(-9), "EBADF");
 * ```
 */
export function errnoName(errno: number): string {
  if (typeof errno !== "number" || !Number.isInteger(errno)) {
    throw new TypeError(`Cannot name errno ${String(errno)}: expected an integer`);
  }
  return shimString((buf, len) => lib.el_errno_name(errno, buf, len)) ?? `E${Math.abs(errno)}`;
}

/** The C library's text for a positive errno. */
function errnoMessage(errno: number): string {
  return shimString((buf, len) => lib.el_strerror(errno, buf, len)) ?? `errno ${errno}`;
}

/**
 * A system call that failed, with the errno's name as `code`.
 *
 * @example Catching a bad fd
 * ```ts
 * import { fd, SystemError } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * try {
 *   fd.close(999_999);
 * } catch (error) {
 *   assert(error instanceof SystemError && error.code === "EBADF");
 * }
 * ```
 */
export class SystemError extends Error {
  /** The errno's symbolic name, e.g. "EBADF". */
  readonly code: string;
  /** The positive errno number (it differs between OSes; prefer `code`). */
  readonly errno: number;
  /** The system call that failed, e.g. "epoll_ctl". */
  readonly syscall: string;

  /**
   * Makes the error of a failed system call, its message from the action,
   * the C library's text and the code: "Cannot add reader for fd 7: Bad
   * file descriptor (EBADF)".
   *
   * @param errno A positive errno.
   * @param syscall The system call that failed.
   * @param context What was being done: "Cannot add reader for fd 7".
   * @param detail Replaces the C library's text when given.
   */
  constructor(errno: number, syscall: string, context: string, detail?: string) {
    const code = errnoName(errno);
    super(`${context}: ${detail ?? errnoMessage(errno)} (${code})`);
    this.name = "SystemError";
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}

/**
 * Returns `result` when it is `>= 0`; else throws the `SystemError` for
 * `-result`.
 */
export function check(result: number, syscall: string, context: string): number {
  if (result < 0) throw new SystemError(-result, syscall, context);
  return result;
}

/**
 * The SystemError for a refused watch, with a clear word for EPERM and
 * for the loop's own fds (EINVAL).
 */
export function watchError(errno: number, action: string, fd: number): SystemError {
  if (errno === Errno.EPERM) {
    return new SystemError(
      errno,
      "epoll_ctl",
      action,
      `fd ${fd} does not support readiness (a regular file or directory is always ready)`,
    );
  }
  if (errno === Errno.EINVAL) {
    return new SystemError(
      errno,
      "epoll_ctl",
      action,
      `fd ${fd} is the loop's own poller, wake or timer fd`,
    );
  }
  return new SystemError(errno, "epoll_ctl", action);
}

/**
 * The SystemError for a removal the kernel could not make: the fd was
 * closed (EBADF), or closed and its number reused (ENOENT), while still
 * watched. The watch is gone all the same.
 */
export function removalError(errno: number, action: string, fd: number): SystemError {
  const what = errno === Errno.EBADF
    ? `fd ${fd} was closed while watched`
    : errno === Errno.ENOENT
    ? `fd ${fd} was closed while watched and its number reused`
    : undefined;
  if (what === undefined) return new SystemError(errno, "epoll_ctl", action);
  return new SystemError(
    errno,
    "epoll_ctl",
    action,
    `${what} (the watch is dropped; call forget(fd) before a library closes a watched fd)`,
  );
}

/** The SystemError (code EEXIST) for an fd that is watched already: `detail` says by whom. */
export function alreadyWatched(action: string, detail = "fd is already watched"): SystemError {
  return new SystemError(Errno.EEXIST, "epoll_ctl", action, detail);
}
