/**
 * The shim's C ABI as data: one table, read by both runtime bindings.
 * Each parameter carries its C declaration; `csrc/evloop.h` is the contract.
 *
 * @module
 */
import type { ForeignBinding } from "./foreign.ts";

/** The only types that cross the ABI: int32, uint32, f64, buffers, and the
 * waker function pointer handed to the shim once per loop. */
export type NativeType = "i32" | "u32" | "f64" | "buffer" | "function" | "void";

/** One C function: its parameter types and its result type. */
export interface SymbolSpec {
  readonly parameters: readonly NativeType[];
  readonly result: NativeType;
}

/**
 * The `el_abi_version()` these bindings are written for (csrc/core.c):
 * the loader refuses a library that answers another.
 */
export const ABI_VERSION = 7;

/** Every exported `el_*` function, with the C signature beside each type. */
export const symbols = {
  el_abi_version: { parameters: [], result: "i32" },
  el_backend_name: {
    parameters: [
      "buffer", // char *buf
      "i32", // int32_t len
    ],
    result: "i32", // length written
  },
  el_now_ms: { parameters: [], result: "f64" }, // CLOCK_MONOTONIC in ms
  el_errno_name: {
    parameters: [
      "i32", // int32_t err
      "buffer", // char *buf: "EBADF"
      "i32", // int32_t len
    ],
    result: "i32", // length, or -EINVAL for an unknown errno
  },
  el_errno: { parameters: [], result: "i32" }, // this thread's errno now
  el_set_errno: {
    parameters: [
      "i32", // int32_t err
    ],
    result: "void",
  },
  el_strerror: {
    parameters: [
      "i32", // int32_t err
      "buffer", // char *buf
      "i32", // int32_t len
    ],
    result: "i32", // length
  },
  el_kernel: {
    parameters: [
      "buffer", // char *buf: "Linux 6.1.0"
      "i32", // int32_t len
    ],
    result: "i32", // length written
  },
  el_loop_count: { parameters: [], result: "i32" },
  el_loop_open: { parameters: [], result: "i32" }, // loop id, or -errno
  el_loop_close: {
    parameters: [
      "i32", // int32_t id
    ],
    result: "i32",
  },
  el_loop_wake: {
    parameters: [
      "i32", // int32_t id
    ],
    result: "i32",
  },
  el_loop_block: {
    parameters: [
      "i32", // int32_t id
      "f64", // double timeout_ms, < 0 blocks
    ],
    result: "i32", // 0 or -EINTR
  },
  el_loop_set_waker: {
    parameters: [
      "i32", // int32_t id
      "function", // void (*waker)(int32_t id, int32_t result)
    ],
    result: "i32",
  },
  el_thread_teardown_hook: {
    parameters: [
      "buffer", // uint64_t *out: [token, release function] (Bun's deallocator)
    ],
    result: "i32",
  },
  el_loop_park: {
    parameters: [
      "i32", // int32_t id
      "f64", // double timeout_ms, < 0 blocks
    ],
    result: "i32",
  },
  el_node_park: {
    parameters: [
      "i32", // int32_t id
      "f64", // double timeout_ms, < 0 blocks
    ],
    result: "i32", // 0, -ENOSYS outside Node (or before init), -EPERM
  },
  el_node_detach: {
    parameters: [
      "i32", // int32_t id
    ],
    result: "i32", // 1 if the loop had a watch on this thread, else 0
  },
  el_inbox_post: {
    parameters: [
      "i32", // int32_t id
      "buffer", // const uint8_t *msg: UTF-8 JSON [name, ...args]
      "i32", // int32_t len
    ],
    result: "i32", // 0, -ESTALE, -EAGAIN (full), -EMSGSIZE, -EINVAL
  },
  el_inbox_drain: {
    parameters: [
      "i32", // int32_t id
      "buffer", // uint8_t *out: records (uint32 LE length, bytes)
      "i32", // int32_t len
      "i32", // int32_t max: records to take at most
    ],
    result: "i32", // records written, or -ENOBUFS (size needed in out[0..4))
  },
  el_inbox_count: {
    parameters: [
      "i32", // int32_t id
    ],
    result: "i32", // messages queued
  },
  el_inbox_set_limit: {
    parameters: [
      "i32", // int32_t id
      "i32", // int32_t max_msgs
      "i32", // int32_t max_bytes
    ],
    result: "i32",
  },
  el_poller_ctl: {
    parameters: [
      "i32", // int32_t id
      "i32", // int32_t op: EL_CTL_ADD / MOD / DEL
      "i32", // int32_t fd
      "u32", // uint32_t events: EL_READ | EL_WRITE | EL_PRI
    ],
    result: "i32",
  },
  el_poller_wait: {
    parameters: [
      "i32", // int32_t id
      "buffer", // int32_t *out: (fd, events) pairs
      "i32", // int32_t max: pairs that fit in out
      "f64", // double timeout_ms: < 0 blocks, 0 polls
    ],
    result: "i32", // pairs written, or -errno
  },
  el_fd_pipe: {
    parameters: [
      "buffer", // int32_t out[2]: read end, write end
    ],
    result: "i32",
  },
  el_fd_socketpair: {
    parameters: [
      "buffer", // int32_t out[2]
    ],
    result: "i32",
  },
  el_fd_read: {
    parameters: [
      "i32", // int32_t fd
      "buffer", // uint8_t *buf
      "i32", // int32_t len
    ],
    result: "i32", // bytes read, 0 at EOF, or -errno
  },
  el_fd_write: {
    parameters: [
      "i32", // int32_t fd
      "buffer", // const uint8_t *buf
      "i32", // int32_t len
    ],
    result: "i32", // bytes written, or -errno
  },
  el_fd_close: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32",
  },
  el_fd_set_nonblocking: {
    parameters: [
      "i32", // int32_t fd
      "i32", // int32_t on
    ],
    result: "i32",
  },
  el_fd_dup: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32", // the new fd
  },
  el_tcp_listen: {
    parameters: [
      "buffer", // const char *host: NUL-terminated numeric address
      "i32", // int32_t port: 0 picks one
      "i32", // int32_t backlog
      "i32", // int32_t flags: EL_TCP_REUSEPORT (1)
    ],
    result: "i32", // fd
  },
  el_tcp_accept: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32", // fd, or -EAGAIN
  },
  el_tcp_connect: {
    parameters: [
      "buffer", // const char *host
      "i32", // int32_t port
    ],
    result: "i32", // fd (connect in progress)
  },
  el_sock_port: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32", // local port
  },
  el_sock_error: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32", // -errno of SO_ERROR, or 0
  },
  el_sock_shutdown: {
    parameters: [
      "i32", // int32_t fd
      "i32", // int32_t how: 0 read, 1 write, 2 both
    ],
    result: "i32",
  },
  el_sock_send_oob: {
    parameters: [
      "i32", // int32_t fd
      "i32", // int32_t byte
    ],
    result: "i32",
  },
  el_sock_recv_oob: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32", // the byte, or -errno
  },
  el_signal_max: { parameters: [], result: "i32" }, // largest signal number
  el_signal_name: {
    parameters: [
      "i32", // int32_t signo
      "buffer", // char *buf: "SIGUSR1"
      "i32", // int32_t len
    ],
    result: "i32", // length, or -EINVAL for a number without a name
  },
  el_signal_refusal: {
    parameters: [
      "i32", // int32_t signo
    ],
    result: "i32", // EL_SIGNAL_OK (0) or the EL_SIGNAL_* reason, -EINVAL
  },
  el_signal_add: {
    parameters: [
      "i32", // int32_t id
      "i32", // int32_t signo
    ],
    result: "i32", // 0, or -EPERM for a refused signal
  },
  el_signal_remove: {
    parameters: [
      "i32", // int32_t id
      "i32", // int32_t signo
    ],
    result: "i32", // 1 if the loop listened, else 0
  },
  el_signal_drain: {
    parameters: [
      "i32", // int32_t id
      "buffer", // int32_t *out: (signo, code, pid, uid) quadruples
      "i32", // int32_t max: quadruples that fit in out
    ],
    result: "i32", // quadruples written
  },
  el_signal_installed: {
    parameters: [
      "i32", // int32_t signo
    ],
    result: "i32", // 1 if the shim's handler is the current action
  },
  el_signal_last_arrival: {
    parameters: [
      "i32", // int32_t signo
    ],
    result: "f64", // el_now_ms() of the latest arrival, or -1
  },
  el_tty_openpt: {
    parameters: [
      "buffer", // char *path: the slave's path, NUL-terminated
      "i32", // int32_t len
    ],
    result: "i32", // the master fd, or -errno (-ERANGE: path too small)
  },
  el_tty_open: {
    parameters: [
      "buffer", // const char *path: NUL-terminated
    ],
    result: "i32", // fd, or -errno (-ENOTTY: not a terminal, closed again)
  },
  el_tty_configure: {
    parameters: [
      "i32", // int32_t fd
      "i32", // int32_t baud: any positive rate
      "i32", // int32_t data_bits: 5..8
      "i32", // int32_t stop_bits: EL_TTY_STOP_*
      "i32", // int32_t parity: EL_TTY_PARITY_*
      "i32", // int32_t flags: EL_TTY_RTSCTS | XON | XOFF | XANY | HUPCL
    ],
    result: "i32",
  },
  el_tty_get_config: {
    parameters: [
      "i32", // int32_t fd
      "buffer", // int32_t *out: EL_TTY_CONFIG_LEN slots
    ],
    result: "i32",
  },
  el_tty_get_baud: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32", // the rate, or -errno
  },
  el_tty_modem_get: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32", // EL_TTY_DTR..EL_TTY_RI bits, or -errno (-ENOTTY: a pty)
  },
  el_tty_modem_set: {
    parameters: [
      "i32", // int32_t fd
      "i32", // int32_t mask: EL_TTY_DTR | EL_TTY_RTS | EL_TTY_BRK
      "i32", // int32_t values: the same bits, set or clear
    ],
    result: "i32",
  },
  el_tty_flush: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32",
  },
  el_tty_outq: {
    parameters: [
      "i32", // int32_t fd
    ],
    result: "i32", // bytes queued for output, or -errno
  },
  el_tty_lock: {
    parameters: [
      "i32", // int32_t fd
      "i32", // int32_t on
    ],
    result: "i32", // 0, -EBUSY when another open file holds it
  },
  el_tty_low_latency: {
    parameters: [
      "i32", // int32_t fd
      "i32", // int32_t on
    ],
    result: "i32", // 0, -ENOTTY/-EINVAL without such a setting, -ENOTSUP
  },
  el_inotify_init: {
    parameters: [],
    result: "i32", // the inotify fd (non-blocking, close-on-exec), or -errno
  },
  el_inotify_add_watch: {
    parameters: [
      "i32", // int32_t fd: from el_inotify_init
      "buffer", // const char *path: NUL-terminated
      "u32", // uint32_t mask: IN_* bits
    ],
    result: "i32", // the watch descriptor, or -errno
  },
  el_inotify_rm_watch: {
    parameters: [
      "i32", // int32_t fd
      "i32", // int32_t wd
    ],
    result: "i32", // 0, or -errno
  },
} as const satisfies Record<string, SymbolSpec>;

/** The names of the shim's functions. */
export type SymbolName = keyof typeof symbols;

type JsType<T extends NativeType> = T extends "f64" ? number
  : T extends "buffer" ? Uint8Array | Int32Array
  : T extends "function" ? unknown
  : T extends "void" ? void
  : number;

type JsParams<P extends readonly NativeType[]> = {
  -readonly [K in keyof P]: P[K] extends NativeType ? JsType<P[K]> : never;
};

/** The shim's functions as both bindings expose them. */
export type Lib = {
  readonly [K in SymbolName]: (
    ...args: JsParams<(typeof symbols)[K]["parameters"]>
  ) => JsType<(typeof symbols)[K]["result"]>;
};

/** One opened shim: its functions, and the parks of its loops. */
export interface Shim {
  /** The shim's functions. */
  readonly lib: Lib;
  /**
   * Waits on loop `id`'s poller without blocking this thread, then calls
   * `onReady` on this thread (once the poller has something, a wake came,
   * or `timeoutMs` passed) with the wait's result: 0, or -errno when it
   * failed. The process stays alive meanwhile.
   */
  park(id: number, timeoutMs: number, onReady: (result: number) => void): void;
  /** Drops loop `id`'s pending park, if any (the loop is closing). */
  forget(id: number): void;
}

/** What each runtime binding provides; only `deno.ts`, `bun.ts` and
 * `node.ts` (with `node_park.ts`) know which runtime runs. */
export interface Binding {
  /** "deno", "bun" or "node". */
  readonly runtime: "deno" | "bun" | "node";
  /** The runtime's version. */
  readonly version: string;
  /** The OS: "linux", "darwin", "freebsd", ... */
  readonly os: string;
  /** The CPU as Node names it: "x64", "arm64", ... */
  readonly arch: string;
  /** The C library on Linux ("glibc" or "musl"); "glibc" elsewhere. */
  readonly libc: "glibc" | "musl";
  /** Opens the library at `path`; throws if it cannot. */
  open(path: string): Shim;
  /** An environment variable, or undefined when unset or not permitted. */
  env(name: string): string | undefined;
  /** Whether `env(name)` may read the variable (Deno: --allow-env). */
  envReadable(name: string): boolean;
  /**
   * Registers `listener` with the runtime's own signal API
   * (`Deno.addSignalListener`, `process.on`) for the signal `name`
   * ("SIGTERM"), and returns its removal; undefined when the runtime has
   * no listener for that name here (a real-time signal; a Bun Worker).
   * While evloop listens to a signal, such a listener makes the runtime
   * install its own handler under evloop's and leave it there, and keeps
   * the runtime from ending the process on a signal it sees nobody
   * handle (src/signals/runtime_signals.ts).
   */
  holdSignal(name: string, listener: () => void): (() => void) | undefined;
  /**
   * How long after an arrival the runtime may still look for listeners of
   * that signal (Deno does so on a thread of its own, and raises a signal
   * it finds no listener for again); 0 when it looks at once.
   */
  readonly signalSettleMs: number;
  /** Opens the user's own C libraries (`src/sys/native_library.ts`). */
  readonly foreign: ForeignBinding;
}
