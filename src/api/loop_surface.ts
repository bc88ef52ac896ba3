/**
 * `LoopSurface`: what `EventLoop` and `IOLoop` share, written once: the
 * cross-thread verbs (`expose`, `unexpose`, `threadHandle`), `forget`, and
 * the modern surface (`watch`, `readable`/`writable`, `sleep`,
 * `abortAfter`, `signals`, `streams`). Each API extends it and keeps only
 * its own verbs and rules (evergreen's readers and Handlers, turbo's
 * masks, timeouts and intervals).
 *
 * @module
 */
import { LoopCore } from "../core/loop_core.ts";
import type { Callback, Handler } from "../core/handler.ts";
import type { Mode } from "../core/drivers.ts";
import { IOEvents } from "../core/io_events.ts";
import { checkFd } from "../sys/validate.ts";
import { Inbox, inboxLimitOf, type ThreadHandle } from "../threads/inbox.ts";
import type { AbortOptions } from "../async/abort.ts";
import { waitFd } from "../async/fd_waiters.ts";
import { abortAfter, sleep } from "../async/sleep.ts";
import { type SignalIterator, signals, type SignalsOptions } from "../async/signal_stream.ts";
import { FdStreams, type StreamsOptions } from "../async/streams.ts";
import { Watch } from "../async/watch.ts";

/** How an API makes its surface (the core and the inbox under it). */
export interface SurfaceOptions {
  /** The API, for messages: "an EventLoop", "an IOLoop". */
  readonly what: string;
  /** How the API calls a closed loop: "destroyed", "closed". */
  readonly closedAs: string;
  /** The user's options, unchecked (see `EventLoopOptions`). */
  readonly options: unknown;
}

/**
 * The surface `EventLoop` and `IOLoop` share. It is not made directly:
 * `new EventLoop()` or `new IOLoop()`.
 *
 * Every promise here settles only while its loop runs (`run()` or
 * `runForever()` for an EventLoop, `start()` for an IOLoop): await it
 * beside the run, as the examples do. A promise that waited a second on a
 * loop that is not running prints a reminder once.
 *
 * @example The same verbs on both loops
 * ```ts
 * import { EventLoop, IOLoop, LoopSurface } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * using loop = new EventLoop();
 * const io = new IOLoop();
 * assert(loop instanceof LoopSurface && io instanceof LoopSurface);
 * io.close();
 * ```
 */
export class LoopSurface {
  #core: LoopCore;
  #inbox: Inbox;
  #closedAs: string;

  /**
   * Checks the options (the inbox limit before anything is opened), opens
   * the core and attaches the inbox; closes the core again if that fails.
   *
   * @throws {TypeError} For options of the wrong types.
   * @throws {RangeError} For an unknown mode or inbox limit.
   * @throws {SystemError} If the shim cannot open a loop.
   */
  protected constructor(surface: SurfaceOptions) {
    const limit = inboxLimitOf(surface.options, `Cannot create ${surface.what}`);
    const core = new LoopCore({
      what: surface.what,
      options: surface.options,
      // Only a run calls back, once the API's constructor is done.
      onError: (error, handler) => this.failed(error, handler),
    });
    try {
      this.#inbox = new Inbox(core, limit);
    } catch (error) {
      core.close();
      throw error;
    }
    this.#core = core;
    this.#closedAs = surface.closedAs;
  }

  /**
   * Where a callback that threw goes (`EventLoop`: its exception handler;
   * `IOLoop`: its handler, and a failed fd handler is removed).
   */
  protected failed(error: unknown, _handler: Handler): void {
    throw error; // each API has its own rule
  }

  /** @internal The core, for the cross-thread and signal layers and tests. */
  get _core(): LoopCore {
    return this.#core;
  }

  /** The loop's mode: `"hosted"` or `"exclusive"`. */
  get mode(): Mode {
    return this.#core.mode;
  }

  /**
   * Throws `${action}: the loop is destroyed` (EventLoop) or `closed`
   * (IOLoop) once the loop is.
   *
   * @throws {Error} If the loop is destroyed or closed.
   */
  protected checkOpen(action: string): void {
    if (this.#core.closed) throw new Error(`${action}: the loop is ${this.#closedAs}`);
  }

  // ---- cross-thread calls ----------------------------------------------

  /**
   * Makes `fn` callable from other threads by name: a Worker (or a native
   * thread, through `el_inbox_post`) posts `[name, ...args]` and the loop
   * runs `fn(...args)` on its own thread, in the iteration that drains the
   * post. Exceptions go to the exception handler; a call to a name that
   * is not exposed is reported there too.
   *
   * @example
   * ```ts
   * import { EventLoop, RemoteLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const seen: string[] = [];
   * loop.expose("greet", (who: string) => {
   *   seen.push(`hello ${who}`);
   *   loop.stop();
   * });
   * RemoteLoop.from(loop.threadHandle()).callFromThread("greet", "worker");
   * await loop.runForever();
   * assertEquals(seen, ["hello worker"]);
   * ```
   *
   * @returns The loop (to chain, as IOLoop's other verbs do).
   * @throws {TypeError} If name is not a non-empty string or fn is not a
   * function.
   * @throws {Error} If the name is already exposed, or the loop is closed.
   */
  expose<A extends unknown[]>(name: string, fn: (...args: A) => unknown): this {
    this.checkOpen(`Cannot expose "${name}"`);
    this.#inbox.expose(name, fn as Callback);
    return this;
  }

  /**
   * Withdraws a name given to `expose`; later calls to it are reported to
   * the exception handler.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * loop.expose("ping", () => {});
   * assert(loop.unexpose("ping"));
   * assert(!loop.unexpose("ping"));
   * ```
   *
   * @returns Whether the name was exposed.
   * @throws {Error} If the loop is closed.
   */
  unexpose(name: string): boolean {
    this.checkOpen(`Cannot unexpose "${name}"`);
    return this.#inbox.unexpose(name);
  }

  /**
   * A plain object naming this loop's inbox, for `RemoteLoop.from()` in
   * any Worker of this process: send it with `postMessage`. It carries the
   * loop id (with its generation: once this loop is closed, posts with it
   * throw instead of reaching a later loop) and the shim's path.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const handle = loop.threadHandle();
   * assertEquals(structuredClone(handle), handle);
   * ```
   *
   * @throws {Error} For a closed loop, or one on a fake poller.
   */
  threadHandle(): ThreadHandle {
    this.checkOpen("Cannot make a thread handle");
    return this.#inbox.handle();
  }

  // ---- fds a library owns ----------------------------------------------

  /**
   * Drops every watch of `fd` (reader, writer, handler, watch, pending
   * waits) without closing it; their Handlers are cancelled and pending
   * waits reject. Call it before a library that owns the fd closes or
   * replaces it (libpq on host fail-over, libcurl per connection): a watch
   * left on a closed fd keeps `run()` alive, and with a dup of the fd
   * alive the kernel keeps reporting the old file. evloop notices a
   * closed fd by itself only when its number is watched again (the stale
   * watch is then replaced) or removed (the failed removal goes to the
   * exception handler). `fd.close()` forgets the fd itself.
   *
   * @example Before a library closes its socket
   * ```ts
   * import { EventLoop, fd } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [a, b] = fd.socketpair(); // say, a library's connection
   * loop.addReader(a, () => {});
   * assert(loop.forget(a));
   * fd.close(a); // the library closes it: nothing is left behind
   * fd.close(b);
   * await loop.run();
   * ```
   *
   * @returns Whether `fd` was watched.
   * @throws {TypeError} If `fd` is not a number.
   * @throws {RangeError} For a negative or non-integer fd.
   * @throws {Error} If the loop is closed.
   */
  forget(fd: number): boolean {
    this.checkOpen("Cannot forget an fd");
    checkFd(fd, `Cannot forget fd ${fd}`);
    return this.#core.forget(fd);
  }

  // ---- the modern surface: logic in src/async/ ---------------------------

  /**
   * Watches `fd` for `events` and calls `callback(mask)` with the fired
   * mask while it is ready (level-triggered). `ERR` and `HUP` are always
   * reported: a hang-up can be told from readability. See `IOEvents` for
   * what each bit means, and for GPIO (sysfs) files: watch `PRI`. One
   * owner per fd: on an fd with a reader, writer or handler it throws
   * EEXIST (and `IOLoop.addHandler` on a watched fd returns false). An
   * exception in the callback is reported as a callback's; the watch
   * stays.
   *
   * @example Waiting for a hang-up
   * ```ts
   * import { EventLoop, fd, IOEvents } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [a, b] = fd.socketpair();
   * let mask = 0;
   * using watch = loop.watch(a, IOEvents.READ, (events) => {
   *   mask = events;
   *   watch.cancel();
   * });
   * fd.close(b);
   * await loop.run();
   * assert(mask & IOEvents.HUP);
   * fd.close(a);
   * ```
   *
   * @example On an IOLoop
   * ```ts
   * import { fd, IOEvents, IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const [a, b] = fd.socketpair();
   * let mask = 0;
   * loop.watch(a, IOEvents.WRITE, (events) => {
   *   mask = events;
   *   loop.close();
   * });
   * await loop.start();
   * assert(mask & IOEvents.WRITE);
   * fd.close(a);
   * fd.close(b);
   * ```
   *
   * @param fd The fd (non-blocking).
   * @param events A mask of `IOEvents.READ`, `PRI` and `WRITE` (0: paused).
   * @param callback Gets the fired mask.
   * @returns The Watch: `update(events)`, `cancel()`, `using`.
   * @throws {SystemError} EEXIST if the fd has a reader, writer, handler,
   * watch or pending `readable()`/`writable()` on this loop; else what the
   * kernel said (EBADF, EPERM for a regular file).
   */
  watch(fd: number, events: number, callback: (events: number) => unknown): Watch {
    return new Watch(this.#core, fd, events, callback);
  }

  /**
   * Resolves with the fired mask once `fd` is readable, or has an error or
   * a hang-up. Rejects on bad input, if another owner watches `fd`
   * (EEXIST), and with `signal.reason` on abort (the watch is removed).
   * It settles only while the loop runs.
   *
   * @example
   * ```ts
   * import { EventLoop, fd, IOEvents } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [r, w] = fd.pipe();
   * loop.callLater(1, () => fd.write(w, new Uint8Array([1])));
   * const [events] = await Promise.all([loop.readable(r), loop.run()]);
   * assert(events & IOEvents.READ);
   * fd.close(r);
   * fd.close(w);
   * ```
   *
   * @example On an IOLoop
   * ```ts
   * import { fd, IOEvents, IOLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const loop = new IOLoop();
   * const [r, w] = fd.pipe();
   * const running = loop.start();
   * fd.write(w, new Uint8Array([1]));
   * assert((await loop.readable(r)) & IOEvents.READ);
   * loop.close();
   * await running;
   * fd.close(r);
   * fd.close(w);
   * ```
   */
  readable(fd: number, options?: AbortOptions): Promise<number> {
    return waitFd(this.#core, fd, IOEvents.READ, options);
  }

  /**
   * Resolves with the fired mask once `fd` is writable, or has an error or
   * a hang-up (see `readable`). It settles only while the loop runs.
   *
   * @example A connect completing
   * ```ts
   * import { EventLoop, fd, IOEvents } from "@evloop/evloop";
   * import { assert, assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const server = fd.tcpListen("127.0.0.1", 0);
   * const client = fd.tcpConnect("127.0.0.1", fd.localPort(server));
   * const [events] = await Promise.all([loop.writable(client), loop.run()]);
   * assert(events & IOEvents.WRITE);
   * assertEquals(fd.socketError(client), null);
   * fd.close(client);
   * fd.close(server);
   * ```
   */
  writable(fd: number, options?: AbortOptions): Promise<number> {
    return waitFd(this.#core, fd, IOEvents.WRITE, options);
  }

  /**
   * Resolves once `ms` milliseconds have passed on the loop's clock (never
   * early); it fires in exclusive mode too, where the host's `setTimeout`
   * cannot. The pending timer keeps the loop going; it settles only while
   * the loop runs.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop({ mode: "exclusive" });
   * const start = loop.time();
   * await Promise.all([loop.sleep(5), loop.run()]);
   * assert(loop.time() - start >= 5);
   * ```
   *
   * @throws {RangeError} (as a rejection) For NaN or an infinite delay.
   */
  sleep(ms: number, options?: AbortOptions): Promise<void> {
    return sleep(this.#core, ms, options);
  }

  /**
   * An `AbortSignal` this loop aborts after `ms` milliseconds with a
   * `DOMException` named `TimeoutError`, like `AbortSignal.timeout` but on
   * the loop's timers (it fires in exclusive mode too, while the loop
   * runs). Its timer does not keep the loop going.
   *
   * @example A read with a deadline
   * ```ts
   * import { EventLoop, fd } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop({ mode: "exclusive" });
   * const [r, w] = fd.pipe();
   * const waiting = loop.readable(r, { signal: loop.abortAfter(5) });
   * const [result] = await Promise.allSettled([waiting, loop.run()]);
   * assertEquals(result.status === "rejected" && result.reason.name, "TimeoutError");
   * fd.close(r);
   * fd.close(w);
   * ```
   *
   * @throws {RangeError} For NaN or an infinite delay.
   */
  abortAfter(ms: number): AbortSignal {
    return abortAfter(this.#core, ms);
  }

  /**
   * Every arrival of `sig` from now on, with its siginfo, in order, as an
   * async iterator; leaving the loop (`break`, `return()`, an abort)
   * removes the handler. Arrivals wait in a bounded buffer
   * (`bufferSize`); past it, one record with `code: SIGNAL_LOST_CODE`
   * stands for those lost. A reader waiting for the next arrival keeps
   * the loop going; arrivals are delivered while it runs. It sits beside
   * `addSignalHandler`: both get every arrival.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   * import process from "node:process";
   *
   * using loop = new EventLoop();
   * const running = loop.run();
   * const senders: number[] = [];
   * loop.callSoon(() => process.kill(process.pid, "SIGUSR2"));
   * for await (const info of loop.signals("SIGUSR2")) {
   *   senders.push(info.pid);
   *   break;
   * }
   * await running;
   * assertEquals(senders, [process.pid]);
   * ```
   *
   * @throws {RangeError} For an unknown signal or a bad bufferSize.
   * @throws {Error} For a refused signal (see `addSignalHandler`).
   */
  signals(sig: number | string, options?: SignalsOptions): SignalIterator {
    return signals(this.#core, sig, options);
  }

  /**
   * A readable and a writable Web Stream over `fd` (a pipe, socket, pty,
   * character device): the readable is a byte stream (BYOB readers work)
   * that reads when the fd is readable and closes at end of file or
   * hang-up; the writable writes when the fd is writable, and `write()`
   * settles once the kernel took every byte; `close()` shuts down a
   * socket's write side. Errors carry the `SystemError`. When both are
   * done the watch is removed, and the fd closed with `closeFd: true`. The
   * fd is made non-blocking; an abort of `signal` errors both streams. They
   * move bytes while the loop runs.
   *
   * @example Reading a pipe to its end
   * ```ts
   * import { EventLoop, fd } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const [r, w] = fd.pipe();
   * using streams = loop.streams(r, { closeFd: true });
   * await streams.writable.abort(); // only reading here
   * fd.write(w, new TextEncoder().encode("line 1\nline 2\n"));
   * fd.close(w);
   * const [text] = await Promise.all([new Response(streams.readable).text(), loop.run()]);
   * assertEquals(text.split("\n").length, 3);
   * ```
   *
   * @throws {SystemError} EEXIST if the fd is watched on this loop, EBADF
   * if it is not open.
   */
  streams(fd: number, options?: StreamsOptions): FdStreams {
    return new FdStreams(this.#core, fd, options);
  }
}
