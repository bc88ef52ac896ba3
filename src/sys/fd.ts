/**
 * Typed helpers over the shim's fd functions. Every fd made here is
 * non-blocking and close-on-exec; failures throw a `SystemError`.
 *
 * Device files, FIFOs and the like are opened with `node:fs`, which gives
 * a real fd on both runtimes; pass `O_NONBLOCK` so a read with nothing
 * ready returns null here instead of blocking the thread:
 * `openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY)`.
 * Remove its watches (or `forget` it) before `closeSync`.
 *
 * @example A pipe
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const [r, w] = fd.pipe();
 * fd.write(w, new Uint8Array([1, 2, 3]));
 * const buf = new Uint8Array(8);
 * assertEquals(fd.read(r, buf), 3);
 * assertEquals(fd.read(r, buf), null); // nothing more yet: EAGAIN
 * fd.close(r);
 * fd.close(w);
 * ```
 *
 * @module
 */
import { lib } from "../../ffi/load.ts";
import { check, Errno, SystemError } from "./errors.ts";
import { fdClosed } from "./fd_close.ts";
import { checkFd, describe } from "./validate.ts";

const pair = new Int32Array(2);
const encoder = new TextEncoder();

function isAgain(result: number): boolean {
  return result === -Errno.EAGAIN;
}

function cString(text: string): Uint8Array {
  return encoder.encode(`${text}\0`);
}

function checkBuffer(buf: unknown, action: string): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw new TypeError(`${action}: the buffer must be a Uint8Array, got ${describe(buf)}`);
  }
  // A transferred buffer reads as empty: say so rather than move 0 bytes.
  if ((buf.buffer as { detached?: boolean }).detached === true) {
    throw new TypeError(`${action}: the buffer is detached (its ArrayBuffer was transferred)`);
  }
}

/** Checks a host: a string without NUL (C would stop reading there). */
function checkHost(host: unknown, action: string): asserts host is string {
  if (typeof host !== "string") {
    throw new TypeError(`${action}: host must be a string, got ${describe(host)}`);
  }
  if (host.includes("\0")) {
    throw new TypeError(`${action}: host must not contain a NUL character`);
  }
}

/**
 * Opens a pipe.
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * const [r, w] = fd.pipe();
 * assert(r !== w);
 * fd.close(r);
 * fd.close(w);
 * ```
 *
 * @returns [read end, write end].
 */
export function pipe(): [number, number] {
  check(lib.el_fd_pipe(pair), "pipe", "Cannot open a pipe");
  return [pair[0], pair[1]];
}

/**
 * Opens a connected pair of AF_UNIX stream sockets.
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const [a, b] = fd.socketpair();
 * fd.write(a, new Uint8Array([7]));
 * const buf = new Uint8Array(1);
 * assertEquals(fd.read(b, buf), 1);
 * fd.close(a);
 * fd.close(b);
 * ```
 */
export function socketpair(): [number, number] {
  check(lib.el_fd_socketpair(pair), "socketpair", "Cannot open a socketpair");
  return [pair[0], pair[1]];
}

/**
 * Reads into `buf`.
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const [r, w] = fd.pipe();
 * fd.close(w);
 * assertEquals(fd.read(r, new Uint8Array(4)), 0); // end of file
 * fd.close(r);
 * ```
 *
 * @returns Bytes read, 0 at end of file, or null when nothing is available
 * now (EAGAIN).
 * @throws {RangeError} For an empty buffer: read(2) would return 0, which
 * reads as end of file.
 * @throws {SystemError} For any other failure.
 */
export function read(fd: number, buf: Uint8Array): number | null {
  const action = `Cannot read from fd ${fd}`;
  checkFd(fd, action);
  checkBuffer(buf, action);
  if (buf.length === 0) {
    throw new RangeError(`${action}: the buffer is empty (0 would read as end of file)`);
  }
  const n = lib.el_fd_read(fd, buf, buf.length);
  if (n < 0 && isAgain(n)) return null;
  return check(n, "read", action);
}

/**
 * Writes `data` (sockets: without SIGPIPE, a gone peer is EPIPE).
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const [r, w] = fd.pipe();
 * assertEquals(fd.write(w, new Uint8Array(3)), 3);
 * fd.close(r);
 * fd.close(w);
 * ```
 *
 * @returns Bytes written, or null when the fd cannot take any now (EAGAIN).
 * @throws {SystemError} For any other failure.
 */
export function write(fd: number, data: Uint8Array): number | null {
  const action = `Cannot write to fd ${fd}`;
  checkFd(fd, action);
  checkBuffer(data, action);
  const n = lib.el_fd_write(fd, data, data.length);
  if (n < 0 && isAgain(n)) return null;
  return check(n, "write", action);
}

/**
 * Removes `fd` from every loop that watches it, then closes it: closing a
 * watched fd by other means leaves a stale registration behind.
 *
 * @example
 * ```ts
 * import { EventLoop, fd } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * using loop = new EventLoop();
 * const [r, w] = fd.pipe();
 * loop.addReader(r, () => {});
 * fd.close(r);
 * assert(!loop.removeReader(r));
 * fd.close(w);
 * ```
 *
 * @throws {SystemError} EBADF if it is not open, or if it is one of a
 * loop's own fds (its epoll, eventfd or timerfd).
 */
export function close(fd: number): void {
  const action = `Cannot close fd ${fd}`;
  checkFd(fd, action);
  const result = lib.el_fd_close(fd);
  if (result === -Errno.EBUSY) {
    // Refused by the shim: closing it would break that loop.
    throw new SystemError(
      Errno.EBADF,
      "close",
      action,
      `fd ${fd} is a loop's own poller, wake or timer fd (it is closed by destroy() or close())`,
    );
  }
  check(result, "close", action);
  fdClosed(fd);
}

/**
 * Duplicates an fd (close-on-exec): a second number for the same open file.
 * Each number is watched separately.
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * const [r, w] = fd.pipe();
 * const r2 = fd.dup(r);
 * assert(r2 !== r);
 * fd.close(r2);
 * fd.close(r);
 * fd.close(w);
 * ```
 */
export function dup(fd: number): number {
  const action = `Cannot duplicate fd ${fd}`;
  checkFd(fd, action);
  return check(lib.el_fd_dup(fd), "dup", action);
}

/**
 * Sets or clears O_NONBLOCK (watched fds should be non-blocking: readiness
 * can be spurious).
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 *
 * const [r, w] = fd.pipe();
 * fd.setNonBlocking(r, true);
 * fd.close(r);
 * fd.close(w);
 * ```
 */
export function setNonBlocking(fd: number, on: boolean): void {
  const action = `Cannot set O_NONBLOCK on fd ${fd}`;
  checkFd(fd, action);
  check(lib.el_fd_set_nonblocking(fd, on ? 1 : 0), "fcntl", action);
}

/** Options of {@linkcode tcpListen}. */
export interface TcpListenOptions {
  /** The listen backlog (the kernel caps it at somaxconn). Default 128. */
  backlog?: number;
  /**
   * Sets SO_REUSEPORT: several sockets (one per loop, thread or process)
   * may listen on the same port, each with its own accept queue, and the
   * kernel spreads new connections between them. Every socket on the port
   * must set it. Default false.
   */
  reusePort?: boolean;
}

/** EL_TCP_REUSEPORT in evloop.h. */
const TCP_REUSEPORT = 1;

/**
 * Opens a listening TCP socket.
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * const server = fd.tcpListen("127.0.0.1", 0);
 * assert(fd.localPort(server) > 0);
 * fd.close(server);
 * ```
 *
 * @example Two listeners on one port (one per Worker's loop, say)
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const a = fd.tcpListen("127.0.0.1", 0, { reusePort: true });
 * const b = fd.tcpListen("127.0.0.1", fd.localPort(a), { reusePort: true });
 * assertEquals(fd.localPort(b), fd.localPort(a));
 * fd.close(a);
 * fd.close(b);
 * ```
 *
 * @param host A numeric address ("127.0.0.1", "::1").
 * @param port 0 picks a free port (see `localPort`).
 * @param options The backlog as a number, or {@linkcode TcpListenOptions}.
 * @throws {TypeError} If host is not a string (or holds a NUL), port or
 * backlog is not a number (options that are not an object are the
 * backlog), or reusePort is not a boolean.
 * @throws {RangeError} For a port outside 0..65535 or a negative backlog.
 * @throws {SystemError} If the address cannot be used (EINVAL for a host
 * that is not a numeric address, EADDRINUSE, ENOTSUP for reusePort where
 * the system lacks SO_REUSEPORT).
 */
export function tcpListen(
  host: string,
  port: number,
  options: number | TcpListenOptions = 128,
): number {
  const action = `Cannot listen on ${printable(host)}:${port}`;
  checkHost(host, action);
  checkPort(port, action);
  let backlog: unknown = options;
  let reusePort: unknown = false;
  if (typeof options === "object" && options !== null) {
    backlog = options.backlog ?? 128;
    reusePort = options.reusePort ?? false;
  }
  if (typeof backlog !== "number") {
    throw new TypeError(`${action}: backlog must be a number, got ${describe(backlog)}`);
  }
  if (!Number.isInteger(backlog) || backlog < 0 || backlog > 0x7fffffff) {
    throw new RangeError(
      `${action}: backlog must be an integer from 0 to 2147483647, got ${backlog}`,
    );
  }
  if (typeof reusePort !== "boolean") {
    throw new TypeError(`${action}: reusePort must be a boolean, got ${describe(reusePort)}`);
  }
  const flags = reusePort ? TCP_REUSEPORT : 0;
  return check(lib.el_tcp_listen(cString(host), port, backlog, flags), "listen", action);
}

/**
 * Accepts a connection (TCP_NODELAY set).
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const server = fd.tcpListen("127.0.0.1", 0);
 * assertEquals(fd.tcpAccept(server), null); // nobody yet
 * fd.close(server);
 * ```
 *
 * @returns The connection's fd, or null when none is pending.
 */
export function tcpAccept(fd: number): number | null {
  const action = `Cannot accept on fd ${fd}`;
  checkFd(fd, action);
  const n = lib.el_tcp_accept(fd);
  if (n < 0 && isAgain(n)) return null;
  return check(n, "accept", action);
}

/**
 * Starts a non-blocking TCP connect (TCP_NODELAY set). It completes when
 * the fd turns writable; `socketError` then tells whether it failed.
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * const server = fd.tcpListen("127.0.0.1", 0);
 * const client = fd.tcpConnect("127.0.0.1", fd.localPort(server));
 * assert(client >= 0);
 * fd.close(client);
 * fd.close(server);
 * ```
 */
export function tcpConnect(host: string, port: number): number {
  const action = `Cannot connect to ${printable(host)}:${port}`;
  checkHost(host, action);
  checkPort(port, action);
  return check(lib.el_tcp_connect(cString(host), port), "connect", action);
}

/**
 * The local port of a bound socket.
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * const server = fd.tcpListen("127.0.0.1", 0);
 * assert(fd.localPort(server) > 0);
 * fd.close(server);
 * ```
 */
export function localPort(fd: number): number {
  const action = `Cannot read the port of fd ${fd}`;
  checkFd(fd, action);
  return check(lib.el_sock_port(fd), "getsockname", action);
}

/**
 * The socket's pending error (SO_ERROR), e.g. a refused connect.
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const [a, b] = fd.socketpair();
 * assertEquals(fd.socketError(a), null);
 * fd.close(a);
 * fd.close(b);
 * ```
 *
 * @returns The error, or null.
 * @throws {SystemError} If `fd` is not a socket (ENOTSOCK, syscall
 * `getsockopt`) or not open (EBADF).
 */
export function socketError(fd: number): SystemError | null {
  checkFd(fd, `Cannot read the socket error of fd ${fd}`);
  const n = lib.el_sock_error(fd);
  if (n >= 0) return null;
  // getsockopt itself failed: no socket to ask (never a pending error).
  if (n === -Errno.ENOTSOCK || n === -Errno.EBADF) {
    throw new SystemError(-n, "getsockopt", `Cannot read the socket error of fd ${fd}`);
  }
  // The error of an earlier asynchronous operation: a connect, mostly.
  return new SystemError(-n, "connect", `Socket error on fd ${fd}`);
}

/**
 * Shuts down one or both directions of a socket.
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 *
 * const [a, b] = fd.socketpair();
 * fd.shutdown(a, "write");
 * fd.close(a);
 * fd.close(b);
 * ```
 */
export function shutdown(fd: number, how: "read" | "write" | "both"): void {
  const action = `Cannot shut down fd ${fd}`;
  checkFd(fd, action);
  const code = how === "read" ? 0 : how === "write" ? 1 : how === "both" ? 2 : -1;
  if (code < 0) throw new RangeError(`${action}: how must be "read", "write" or "both"`);
  check(lib.el_sock_shutdown(fd, code), "shutdown", action);
}

/**
 * Sends one out-of-band byte over TCP (the receiver sees PRI).
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 *
 * const server = fd.tcpListen("127.0.0.1", 0);
 * fd.close(server);
 * ```
 */
export function sendOob(fd: number, byte: number): void {
  const action = `Cannot send out-of-band data on fd ${fd}`;
  checkFd(fd, action);
  if (!Number.isInteger(byte) || byte < 0 || byte > 255) {
    throw new RangeError(`${action}: byte must be an integer in 0..255`);
  }
  check(lib.el_sock_send_oob(fd, byte), "send", action);
}

/**
 * Receives the out-of-band byte (clears the PRI condition).
 *
 * @example
 * ```ts
 * import { fd } from "@evloop/evloop";
 *
 * const server = fd.tcpListen("127.0.0.1", 0);
 * fd.close(server);
 * ```
 *
 * @returns The byte, or null when none is pending.
 */
export function recvOob(fd: number): number | null {
  const action = `Cannot receive out-of-band data on fd ${fd}`;
  checkFd(fd, action);
  const n = lib.el_sock_recv_oob(fd);
  if (isAgain(n) || n === -Errno.EINVAL) return null;
  return check(n, "recv", action);
}

/** A host as a message may show it (NUL and other controls escaped). */
function printable(host: unknown): string {
  return typeof host === "string" ? JSON.stringify(host).slice(1, -1) : String(host);
}

function checkPort(port: unknown, action: string): void {
  if (typeof port !== "number") {
    throw new TypeError(`${action}: port must be a number, got ${describe(port)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${action}: port must be an integer in 0..65535`);
  }
}
