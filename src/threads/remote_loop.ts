/**
 * `RemoteLoop`: posts calls to a loop that runs in another thread (or this
 * one), by name, with JSON-safe arguments (see `src/threads/message.ts`).
 *
 * @module
 */
import { lib, libraryPath, openShim } from "../../ffi/load.ts";
import type { Lib } from "../../ffi/symbols.ts";
import { Errno, SystemError } from "../sys/errors.ts";
import { HANDLE_KIND, type ThreadHandle } from "./inbox.ts";
import { encodeCall } from "./message.ts";

const encoder = new TextEncoder();
const libraries = new Map<string, Lib>([[libraryPath, lib]]);

/** The shim instance the handle's loop lives in. */
function libraryFor(path: string): Lib {
  let found = libraries.get(path);
  if (found === undefined) {
    // dlopen of the file the loop's thread loaded returns that instance.
    found = openShim(path).lib;
    libraries.set(path, found);
  }
  return found;
}

function isHandle(value: unknown): value is ThreadHandle {
  if (typeof value !== "object" || value === null) return false;
  const h = value as Record<string, unknown>;
  return h.kind === HANDLE_KIND && typeof h.library === "string" &&
    typeof h.loopId === "number" && Number.isInteger(h.loopId) && h.loopId >= 0 &&
    h.loopId <= 0x7fffffff;
}

/**
 * A loop seen from another thread: `callFromThread(name, ...args)` runs the
 * function that loop exposed under `name`, on the loop's thread. Usable in
 * any Worker of the process (Deno or Bun; `worker_threads` in Node), and on
 * the loop's own thread.
 *
 * Arguments cross as JSON: `null`, booleans, finite numbers, strings, and
 * arrays and plain objects of those. Anything else (`undefined`,
 * functions, bigints, `NaN`, Date, Map, typed arrays, class instances,
 * cycles) throws a TypeError rather than arrive changed.
 *
 * @example Calling a loop from a Worker
 * ```ts ignore
 * // main.ts
 * import { EventLoop } from "@evloop/evloop";
 *
 * const loop = new EventLoop();
 * loop.expose("stop", () => loop.stop());
 * const worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
 * worker.postMessage(loop.threadHandle());
 * await loop.runForever(); // until the Worker calls "stop"
 *
 * // worker.ts
 * import { RemoteLoop } from "@evloop/evloop";
 *
 * self.onmessage = (e) => RemoteLoop.from(e.data).callFromThread("stop");
 * ```
 *
 * @example Posting to a loop on the same thread
 * ```ts
 * import { EventLoop, RemoteLoop } from "@evloop/evloop";
 * import { assert, assertEquals } from "@std/assert";
 *
 * using loop = new EventLoop();
 * const got: unknown[] = [];
 * loop.expose("add", (a: number, b: number) => {
 *   got.push(a + b);
 *   loop.stop();
 * });
 * const remote = RemoteLoop.from(loop.threadHandle());
 * assert(remote.callFromThread("add", 2, 3));
 * await loop.runForever();
 * assertEquals(got, [5]);
 * ```
 */
export class RemoteLoop {
  #id: number;
  #lib: Lib;
  #buffer = new Uint8Array(1024);

  private constructor(id: number, library: Lib) {
    this.#id = id;
    this.#lib = library;
  }

  /**
   * The remote loop a handle names. Does not check that the loop still
   * exists: a post to a destroyed loop throws.
   *
   * @param handle What `loop.threadHandle()` returned (after
   * `postMessage`, or as JSON).
   * @throws {TypeError} If `handle` is not a thread handle, or names a
   * library that cannot be loaded here.
   */
  static from(handle: ThreadHandle): RemoteLoop {
    if (!isHandle(handle)) {
      throw new TypeError(
        "Cannot use the thread handle: expected the object loop.threadHandle() returns",
      );
    }
    let library: Lib;
    try {
      library = libraryFor(handle.library);
    } catch (error) {
      throw new TypeError(
        `Cannot use the thread handle: its library ${
          JSON.stringify(handle.library)
        } cannot be loaded in this process (a handle from another process or build?)`,
        { cause: error },
      );
    }
    return new RemoteLoop(handle.loopId, library);
  }

  /** The shim's id of the remote loop. */
  get id(): number {
    return this.#id;
  }

  /**
   * Queues a call to the function the loop exposed as `name`, with `args`,
   * and wakes the loop. Thread-safe. Calls from one thread run in the
   * order they were posted. Whether the function exists is checked on the
   * loop's thread: an unknown name is reported to its exception handler.
   *
   * @returns `true` if the call was queued; `false` if the loop's inbox is
   * full (its limit, see `inboxLimit`): nothing was queued, try again
   * once the loop has drained.
   * @throws {TypeError} If `name` is not a non-empty string or an
   * argument cannot cross threads as JSON.
   * @throws {RangeError} If the message alone is over the inbox's byte
   * limit.
   * @throws {Error} If the loop was destroyed.
   */
  callFromThread(name: string, ...args: unknown[]): boolean {
    const action = `Cannot post to loop ${this.#id}`;
    const text = encodeCall(name, args, action);
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (this.#buffer.length < text.length * 3) {
      this.#buffer = new Uint8Array(Math.max(text.length * 3, 2 * this.#buffer.length));
    }
    const len = encoder.encodeInto(text, this.#buffer).written;
    const r = this.#lib.el_inbox_post(this.#id, this.#buffer, len);
    if (r === 0) return true;
    if (r === -Errno.EAGAIN) return false;
    if (r === -Errno.ESTALE) throw new Error(`${action}: the loop was destroyed`);
    if (r === -Errno.EMSGSIZE) {
      throw new RangeError(
        `${action}: the message is ${len} bytes, over the inbox's byte limit`,
      );
    }
    throw new SystemError(-r, "el_inbox_post", action);
  }
}
