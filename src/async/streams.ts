/**
 * `loop.streams(fd)`: Web Streams over any fd the loop can watch (pipes,
 * sockets, ptys, character devices). The readable is a byte stream that
 * reads only when the fd is readable and only as fast as its reader asks;
 * the writable writes when the fd is writable, and a `write()` settles once
 * the kernel took every byte of the chunk (backpressure).
 *
 * @module
 */
import type { LoopCore } from "../core/loop_core.ts";
import { check, Errno, SystemError } from "../sys/errors.ts";
import { lib } from "../../ffi/load.ts";
import { type AbortOptions, onAbort, signalOf } from "./abort.ts";
import { IOEvents } from "../core/io_events.ts";
import * as fdio from "../sys/fd.ts";
import { FdWaiters } from "./fd_waiters.ts";
import { checkFd, describe } from "../sys/validate.ts";

/** Options for `loop.streams()`. */
export interface StreamsOptions extends AbortOptions {
  /**
   * Bytes per read (the readable's chunk size when the reader brings no
   * buffer), and the bytes the writable queues before `writer.ready`
   * waits.
   *
   * @default {65536}
   */
  highWaterMark?: number;
  /**
   * Close the fd once both streams are done (read side ended or
   * cancelled, write side closed or aborted), or on dispose.
   *
   * @default {false}
   */
  closeFd?: boolean;
  /**
   * Ends both streams: an abort errors whichever is still open with
   * `signal.reason`, removes the watch and, with `closeFd`, closes the fd
   * (as `close(reason)` does). Already aborted, `streams()` throws the
   * reason and takes nothing.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

const DEFAULT_HWM = 65536;

/**
 * A readable and a writable Web Stream over one fd, made by
 * `loop.streams(fd)`. They own the fd on the loop until both are done;
 * then the watch is removed (and the fd closed with `closeFd: true`).
 * Disposing (`using`) errors whichever stream is still open and lets the
 * fd go at once. The fd is made non-blocking (`O_NONBLOCK`, on the open
 * file, so for its dups too): its reads and writes run on the loop's
 * thread and must never wait there.
 *
 * @example Echo over a socketpair
 * ```ts
 * import { EventLoop, fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * using loop = new EventLoop();
 * const [a, b] = fd.socketpair();
 * using ours = loop.streams(a, { closeFd: true });
 * using theirs = loop.streams(b, { closeFd: true });
 * const running = loop.run();
 * const writer = ours.writable.getWriter();
 * await writer.write(new TextEncoder().encode("hello"));
 * await writer.close(); // shuts down a's write side: b reads end of file
 * const got = await new Response(theirs.readable).text();
 * await ours.readable.cancel();
 * await theirs.writable.close();
 * await running;
 * assertEquals(got, "hello");
 * ```
 */
export class FdStreams implements Disposable {
  /** The fd. */
  readonly fd: number;
  /** The bytes read from the fd (`type: "bytes"`: BYOB readers work). */
  readonly readable: ReadableStream<Uint8Array>;
  /** The bytes to write to the fd. */
  readonly writable: WritableStream<Uint8Array>;
  #waiters: FdWaiters;
  #closeFd: boolean;
  #readDone = false;
  #writeDone = false;
  #released = false;
  /** The fd reported a hang-up: EIO from a pty then means end of file. */
  #hungUp = false;
  #rc!: ReadableByteStreamController;
  /** Removes the abort listener (once the streams let the fd go). */
  #unsubscribe: (() => void) | undefined;
  #wc!: WritableStreamDefaultController;

  /** @internal Made by `loop.streams()` only. */
  constructor(core: LoopCore, fd: number, options: StreamsOptions = {}) {
    const action = `Cannot open streams on fd ${fd}`;
    checkFd(fd, action);
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${action}: the options must be an object, got ${describe(options)}`);
    }
    const hwm = options.highWaterMark ?? DEFAULT_HWM;
    if (typeof hwm !== "number" || !Number.isInteger(hwm) || hwm < 1 || hwm > 0x7fffffff) {
      throw new RangeError(
        `${action}: highWaterMark must be a positive integer, got ${describe(hwm)}`,
      );
    }
    if (options.closeFd !== undefined && typeof options.closeFd !== "boolean") {
      throw new TypeError(
        `${action}: closeFd must be a boolean, got ${describe(options.closeFd)}`,
      );
    }
    const signal = signalOf(options, action);
    // Aborted already: nothing is registered (and closeFd closes nothing).
    if (signal?.aborted) throw signal.reason;
    core.checkUsable(action);
    // The reads and writes happen right here, on the loop's thread: a
    // blocking fd would stop the thread until its peer acts. This also
    // refuses a closed fd at once (EBADF), before its number is held.
    check(lib.el_fd_set_nonblocking(fd, 1), "fcntl", action);
    this.fd = fd;
    this.#closeFd = options.closeFd === true;
    this.#waiters = FdWaiters.held(core, fd, action);
    if (signal !== undefined) {
      const unsubscribe = onAbort(signal, (reason) => this.close(reason));
      this.#unsubscribe = unsubscribe;
    }
    this.readable = new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: hwm,
      start: (controller) => {
        this.#rc = controller;
      },
      pull: (controller) => this.#pull(controller, hwm),
      cancel: () => {
        this.#readDone = true;
        this.#maybeRelease();
      },
    }, { highWaterMark: 0 });
    this.writable = new WritableStream<Uint8Array>({
      start: (controller) => {
        this.#wc = controller;
      },
      write: (chunk, controller) => this.#write(chunk, controller),
      close: () => this.#closeWrite(),
      abort: () => {
        this.#writeDone = true;
        this.#maybeRelease();
      },
    }, { highWaterMark: hwm, size: (chunk) => chunk?.byteLength ?? 0 });
  }

  /**
   * The fast path first: one read straight into the reader's view (the
   * BYOB request's own, no copy) and, when it brings bytes, no promise of
   * ours; only EAGAIN (or end of file, an error) takes the slow path.
   */
  #pull(controller: ReadableByteStreamController, size: number): Promise<void> | undefined {
    const request = controller.byobRequest;
    // A byte stream's own buffers are ArrayBuffers (never shared).
    let view: Uint8Array<ArrayBuffer>;
    if (request === null) view = new Uint8Array(size);
    else {
      const v = request.view! as ArrayBufferView<ArrayBuffer>;
      view = v instanceof Uint8Array
        ? v as Uint8Array<ArrayBuffer>
        : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    }
    // The fd was checked (and made non-blocking) by the constructor, and a
    // stream's own view is never empty nor detached: no checks per chunk.
    const n = lib.el_fd_read(this.fd, view, view.length);
    if (n > 0) {
      if (request === null) controller.enqueue(view.subarray(0, n));
      else request.respond(n);
      return undefined;
    }
    return this.#pullSlowly(controller, request, view, n);
  }

  /** What a read that brought no bytes (`first`) leads to. */
  async #pullSlowly(
    controller: ReadableByteStreamController,
    request: ReadableStreamBYOBRequest | null,
    view: Uint8Array<ArrayBuffer>,
    first: number,
  ): Promise<void> {
    let eio = 0;
    let result = first;
    for (;;) {
      let n: number | null;
      if (result >= 0) n = result;
      else if (result === -Errno.EAGAIN) n = null;
      else if (result === -Errno.EIO && (this.#hungUp || eio++ === 0)) {
        // A pty whose other side closed reads EIO, not 0: that is its end
        // of file. Seen before any hang-up, wait once to learn of it.
        n = this.#hungUp ? 0 : null;
      } else {
        this.#readDone = true;
        this.#maybeRelease();
        throw new SystemError(-result, "read", `Cannot read from fd ${this.fd}`);
      }
      if (n === null) {
        const events = await this.#waiters.wait(IOEvents.READ, undefined, "Cannot read");
        if ((events & IOEvents.HUP) !== 0) this.#hungUp = true;
        result = lib.el_fd_read(this.fd, view, view.length);
        continue;
      }
      if (n === 0) {
        this.#readDone = true;
        controller.close();
        request?.respond(0);
        this.#maybeRelease();
        return;
      }
      if (request === null) controller.enqueue(view.subarray(0, n));
      else request.respond(n);
      return;
    }
  }

  /**
   * The fast path first: the kernel takes the whole chunk at once, and no
   * promise of ours is made; a partial write or EAGAIN waits.
   */
  #write(
    chunk: Uint8Array,
    controller: WritableStreamDefaultController,
  ): Promise<void> | undefined {
    if (!(chunk instanceof Uint8Array)) {
      return Promise.reject(
        new TypeError(
          `Cannot write to fd ${this.fd}: chunks must be Uint8Array, got ${describe(chunk)}`,
        ),
      );
    }
    // Nothing to write (a detached chunk reads as empty too), as before.
    if (chunk.length === 0) return undefined;
    const n = lib.el_fd_write(this.fd, chunk, chunk.length);
    if (n === chunk.length) return undefined;
    return this.#writeSlowly(n > 0 ? chunk.subarray(n) : chunk, controller, n > 0 ? 0 : n);
  }

  /** The rest of a write: `first`, when not 0, is what the first write returned. */
  async #writeSlowly(
    chunk: Uint8Array,
    controller: WritableStreamDefaultController,
    first = 0,
  ): Promise<void> {
    try {
      let data = chunk;
      if (first < 0) {
        if (first !== -Errno.EAGAIN) {
          throw new SystemError(-first, "write", `Cannot write to fd ${this.fd}`);
        }
        await this.#waiters.wait(IOEvents.WRITE, controller.signal, "Cannot write");
      }
      while (data.length > 0) {
        const n = fdio.write(this.fd, data);
        if (n === null) {
          await this.#waiters.wait(IOEvents.WRITE, controller.signal, "Cannot write");
        } else {
          data = data.subarray(n);
        }
      }
    } catch (error) {
      this.#writeDone = true;
      this.#maybeRelease();
      throw error;
    }
  }

  #closeWrite(): void {
    this.#writeDone = true;
    try {
      fdio.shutdown(this.fd, "write");
    } catch (error) {
      // Not a socket (a pipe, a pty): nothing to shut down; the peer sees
      // end of file when the fd closes.
      const code = error instanceof SystemError ? error.code : "";
      if (code !== "ENOTSOCK" && code !== "ENOTCONN" && code !== "EOPNOTSUPP") {
        this.#maybeRelease();
        throw error;
      }
    }
    this.#maybeRelease();
  }

  #maybeRelease(): void {
    if (this.#readDone && this.#writeDone) this.#release(undefined);
  }

  #release(reason: unknown): void {
    if (this.#released) return;
    this.#released = true;
    this.#unsubscribe?.();
    const lost = this.#waiters.lost;
    this.#waiters.end(reason ?? new Error(`Cannot wait for fd ${this.fd}: its streams are closed`));
    // A lost fd was closed by other means: its number may be reused.
    if (this.#closeFd && !lost) fdio.close(this.fd);
  }

  /**
   * Errors whichever stream is still open with `reason`, removes the watch
   * and closes the fd with `closeFd: true`. Calling it again does nothing.
   *
   * @example
   * ```ts
   * import { EventLoop, fd } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [r, w] = fd.pipe();
   * const streams = loop.streams(r);
   * streams.close();
   * loop.addReader(r, () => {}); // the fd is free again
   * loop.removeReader(r);
   * assert(streams.readable instanceof ReadableStream);
   * fd.close(r);
   * fd.close(w);
   * ```
   */
  close(reason: unknown = new Error("The streams were closed")): void {
    if (this.#released) return;
    this.#readDone = this.#writeDone = true;
    try {
      this.#rc.error(reason);
    } catch { /* closed already */ }
    try {
      this.#wc.error(reason);
    } catch { /* closed already */ }
    this.#release(reason);
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
