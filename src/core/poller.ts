/**
 * The poller: what the loop core needs from the kernel, as an interface so
 * loop logic can also run on a fake poller with virtual time.
 *
 * @module
 */
import { lib, libraryPath, shim } from "../../ffi/load.ts";
import { check, Errno, SystemError } from "../sys/errors.ts";

/** Loops the shim can hold at once (EL_MAX_LOOPS in csrc/evloop.h). */
export const MAX_LOOPS = 1024;

/**
 * `ctl` operations. `CHECK` answers 1 when the fd's registration is for
 * the file now open under that number, 0 when it went stale (the fd was
 * closed behind the loop's back, maybe reused) or there is none.
 */
export const Ctl = { ADD: 1, MOD: 2, DEL: 3, CHECK: 4 } as const;

/**
 * An interest flag of `ctl` (EL_EDGE in csrc/evloop.h), not an event:
 * edge-triggered, reported when the fd turns ready rather than while it
 * stays ready. Its owner reads or writes until EAGAIN before it waits.
 */
export const EDGE = 0x1000;

/** Bits of the pseudo-event (fd -1) that reports a wake-up. */
export const Wake = { WAKE: 0x1, SIGNAL: 0x2, INBOX: 0x4 } as const;

/** What the loop core drives. */
export interface Poller {
  /** Monotonic time in ms, on the same clock as the timeouts. */
  now(): number;
  /**
   * Adds, modifies or deletes an fd's interest (an ADD that finds the fd
   * registered modifies it, a MOD that does not adds it); returns 0 or
   * -errno. A failed DEL still forgets the fd. `Ctl.CHECK`: 1 or 0.
   */
  ctl(op: number, fd: number, events: number): number;
  /**
   * Waits up to `timeoutMs` (< 0 blocks, 0 polls) and writes (fd, events)
   * pairs into `out`; returns the pair count or -errno (-EINTR included).
   */
  wait(out: Int32Array, timeoutMs: number): number;
  /**
   * Waits without blocking this thread: calls `onReady` once the poller has
   * something, a wake came, or `timeoutMs` passed, with the wait's result
   * (0, or -errno when it failed: no readiness). The process is kept alive
   * meanwhile.
   */
  park(timeoutMs: number, onReady: (result: number) => void): void;
  /** Makes a blocked `wait` or a `park` return (thread-safe in C). */
  wake(): void;
  /** Releases everything the poller holds. */
  close(): void;

  // What only the shim's loop has: a fake poller omits these, and its
  // loop has no signals and no thread handle.

  /** Listens to `signo` (`el_signal_add`); 0 or -errno. */
  signalAdd?(signo: number): number;
  /** Stops listening to `signo` (`el_signal_remove`). */
  signalRemove?(signo: number): number;
  /** Moves pending signal records into `out` (quadruples); their count. */
  signalDrain?(out: Int32Array): number;
  /** Bounds the cross-thread inbox (`el_inbox_set_limit`); 0 or -errno. */
  inboxSetLimit?(messages: number, bytes: number): number;
  /** Messages waiting in the inbox (< 0 once the loop is closed). */
  inboxCount?(): number;
  /** Moves up to `max` messages into `out` as records; `el_inbox_drain`. */
  inboxDrain?(out: Uint8Array, max: number): number;
  /**
   * Where other threads post to this loop: the shim's loop id and the
   * library that holds it (a thread handle's contents).
   */
  address?(): { readonly loopId: number; readonly library: string };
}

/** The shim's poller (epoll or kqueue): every `el_*(id, ...)` call of a loop. */
export class NativePoller implements Poller {
  #id: number;
  #onReady: ((result: number) => void) | undefined;
  #closed = false;

  /** Opens a loop in the shim. */
  constructor() {
    const id = lib.el_loop_open();
    if (id === -Errno.EMFILE && lib.el_loop_count() >= MAX_LOOPS) {
      // The shim's table is full, not the process's fd table.
      throw new SystemError(
        -id,
        "el_loop_open",
        "Cannot open a loop",
        `the process already has ${MAX_LOOPS} loops, the shim's limit (destroy or close loops no longer used)`,
      );
    }
    this.#id = check(id, "el_loop_open", "Cannot open a loop");
  }

  address(): { readonly loopId: number; readonly library: string } {
    return { loopId: this.#id, library: libraryPath };
  }

  now(): number {
    return lib.el_now_ms();
  }

  ctl(op: number, fd: number, events: number): number {
    return lib.el_poller_ctl(this.#id, op, fd, events);
  }

  wait(out: Int32Array, timeoutMs: number): number {
    return lib.el_poller_wait(this.#id, out, out.length >> 1, timeoutMs);
  }

  park(timeoutMs: number, onReady: (result: number) => void): void {
    this.#onReady = onReady;
    shim.park(this.#id, timeoutMs, this.#resume);
  }

  #resume = (result: number): void => {
    const onReady = this.#onReady;
    this.#onReady = undefined;
    onReady?.(result);
  };

  wake(): void {
    if (!this.#closed) lib.el_loop_wake(this.#id);
  }

  signalAdd(signo: number): number {
    return lib.el_signal_add(this.#id, signo);
  }

  signalRemove(signo: number): number {
    return lib.el_signal_remove(this.#id, signo);
  }

  signalDrain(out: Int32Array): number {
    return lib.el_signal_drain(this.#id, out, out.length >> 2);
  }

  inboxSetLimit(messages: number, bytes: number): number {
    return lib.el_inbox_set_limit(this.#id, messages, bytes);
  }

  inboxCount(): number {
    return lib.el_inbox_count(this.#id);
  }

  inboxDrain(out: Uint8Array, max: number): number {
    return lib.el_inbox_drain(this.#id, out, out.length, max);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    shim.forget(this.#id);
    // Wakes whoever blocks for this loop and waits for it to leave: a
    // pending park never outlives the loop.
    lib.el_loop_close(this.#id);
    // A park ended by the close resolves, so awaiting code is not stranded.
    this.#resume(0);
  }
}
