/**
 * `now()`: the monotonic clock every loop runs on, readable anywhere.
 *
 * @module
 */
import { lib } from "../../ffi/load.ts";

/**
 * The monotonic clock in milliseconds (CLOCK_MONOTONIC, sub-ms
 * precision): the clock of `EventLoop.time()` and of every loop's timers,
 * one clock for every thread of the process, so a time taken in a Worker
 * can be compared with one taken on the main thread.
 *
 * @example Measuring a round trip across threads
 * ```ts
 * import { EventLoop, now } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * using loop = new EventLoop();
 * const sentAt = now(); // a Worker would pass this along with its call
 * assert(loop.time() >= sentAt);
 * ```
 */
export function now(): number {
  return lib.el_now_ms();
}
