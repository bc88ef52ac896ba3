/**
 * evloop: an event loop for Deno, Bun and Node (≥ 26.1, through node:ffi)
 * that watches raw file descriptors
 * (epoll/kqueue, timerfd, eventfd) through a small C shim loaded over FFI.
 * Two APIs over one core: `EventLoop` (evergreen) and `IOLoop` (turbo).
 * Both also speak promises, `AbortSignal`, async iteration and Web
 * Streams: `watch` (the fired event mask), `readable`/`writable`,
 * `sleep`, `abortAfter`, `signals` and `streams`.
 *
 * Deno needs `--allow-ffi` only; Node 26.1 to 26.8 need `--experimental-ffi`
 * (on by default from 26.9).
 *
 * @example A timer and a reader
 * ```ts
 * import { EventLoop, fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * using loop = new EventLoop();
 * const [r, w] = fd.pipe();
 * const seen: number[] = [];
 * loop.addReader(r, () => {
 *   const buf = new Uint8Array(1);
 *   fd.read(r, buf);
 *   seen.push(buf[0]);
 *   loop.removeReader(r);
 * });
 * loop.callLater(1, () => fd.write(w, new Uint8Array([42])));
 * await loop.run();
 * assertEquals(seen, [42]);
 * fd.close(r);
 * fd.close(w);
 * ```
 *
 * @example Awaiting an fd, with a deadline on the loop's clock
 * ```ts
 * import { EventLoop, fd, IOEvents } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * using loop = new EventLoop({ mode: "exclusive" });
 * const [r, w] = fd.pipe();
 * loop.callLater(1, () => fd.write(w, new Uint8Array([42])));
 * const signal = loop.abortAfter(10_000);
 * const [events] = await Promise.all([loop.readable(r, { signal }), loop.run()]);
 * assert(events & IOEvents.READ);
 * fd.close(r);
 * fd.close(w);
 * ```
 *
 * @module
 */
export { LoopSurface } from "./src/api/loop_surface.ts";
export {
  current,
  EventLoop,
  type EventLoopOptions,
  type ExceptionHandler,
} from "./src/api/event_loop.ts";
export {
  instance,
  IOLoop,
  type IOLoopErrorSource,
  type IOLoopExceptionHandler,
  type IOLoopOptions,
} from "./src/api/ioloop.ts";
export { Handler, TimerHandler } from "./src/core/handler.ts";
export { RemoteLoop } from "./src/threads/remote_loop.ts";
export type { InboxLimit, ThreadHandle } from "./src/threads/inbox.ts";
export type { Mode } from "./src/core/drivers.ts";
export type { Poller } from "./src/core/poller.ts";
export { errnoName, SystemError } from "./src/sys/errors.ts";
export {
  type CallbackFunction,
  type CallbackSignature,
  type Each,
  type ForeignCall,
  type ForeignFunction,
  type ForeignSymbols,
  type ForeignType,
  type In,
  NativeCallback,
  NativeLibrary,
  type NativeType,
  type Out,
  type Pointer,
  type RawType,
} from "./src/sys/native_library.ts";
export * as pointer from "./src/sys/pointer.ts";
export { SIGNAL_LOST_CODE, type SignalInfo } from "./src/signals/registry.ts";
export { type IOEvent, IOEvents } from "./src/core/io_events.ts";
export { Watch } from "./src/async/watch.ts";
export { FdStreams, type StreamsOptions } from "./src/async/streams.ts";
export type { AbortOptions } from "./src/async/abort.ts";
export type { SignalIterator, SignalsOptions } from "./src/async/signal_stream.ts";
export * as fd from "./src/sys/fd.ts";
export { type Info, info } from "./src/sys/info.ts";
export { now } from "./src/sys/clock.ts";
