/**
 * The loop's side of cross-thread calls, shared by `EventLoop` and
 * `IOLoop`: the functions a loop exposes by name, its thread handle, and
 * the drain of the shim's inbox into the core's ready queue.
 *
 * The queue itself lives in the shim (`csrc/inbox.c`), so Workers and
 * native threads can post while this thread is busy. A post wakes the
 * loop through the shim's coalesced wake; the wake listener then drains
 * the messages queued at that moment, in batches, into a caller-owned
 * buffer, and queues one callback per message for the same iteration.
 * The inbox keeps nothing alive: `run()` ends without it, `runForever()`
 * waits for it.
 *
 * @module
 */
import type { LoopCore } from "../core/loop_core.ts";
import { Errno, SystemError } from "../sys/errors.ts";
import { type Callback, checkCallback, Handler } from "../core/handler.ts";
import { describe } from "../sys/validate.ts";
import { decodeRecords, recordSizeNeeded } from "./message.ts";
import { type Poller, Wake } from "../core/poller.ts";

/**
 * What `threadHandle()` returns: a plain object that survives
 * `postMessage` (structured clone) and JSON, and names the loop's inbox.
 * Pass it to `RemoteLoop.from()` in any Worker of the same process.
 */
export interface ThreadHandle {
  /** Format tag: always `"evloop.thread-handle/1"`. */
  readonly kind: "evloop.thread-handle/1";
  /** The shim's loop id, `(generation << 10) | slot`: a handle that
   * outlives its loop is rejected, never followed. */
  readonly loopId: number;
  /** The path the shim was loaded from; a Worker loads the same one. */
  readonly library: string;
}

/** The tag of a {@linkcode ThreadHandle}. */
export const HANDLE_KIND = "evloop.thread-handle/1";

/** Limits of a loop's inbox; see `EventLoopOptions.inboxLimit`. */
export interface InboxLimit {
  /**
   * Messages queued at most; a post beyond it is refused (`false`).
   *
   * @default {65536}
   */
  messages?: number;
  /**
   * Payload bytes queued at most (the UTF-8 JSON of each call); a post
   * beyond it is refused, and a single message larger than it throws.
   *
   * @default {16777216}
   */
  bytes?: number;
}

/** The shim's defaults (EL_INBOX_DEFAULT_MSGS, EL_INBOX_DEFAULT_BYTES). */
export const DEFAULT_INBOX_LIMIT: Required<InboxLimit> = {
  messages: 65536,
  bytes: 16 * 1024 * 1024,
};

const INITIAL_BUFFER = 64 * 1024;
/** The callback name a call that cannot run is reported under. */
const REPORTED_AS = "crossThreadCall";

/** Checks one inbox limit: an integer in 1..2^31-1. */
export function checkLimit(value: unknown, name: string): number {
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 0x7fffffff
  ) {
    throw new RangeError(
      `Cannot set the inbox limit: ${name} must be an integer from 1 to 2147483647, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads and checks the `inboxLimit` of a loop's options (see
 * `EventLoopOptions.inboxLimit`), before anything is opened. Options
 * that are not an object are the core's to refuse.
 *
 * @throws {TypeError} For a limit of the wrong type.
 * @throws {RangeError} For a limit that is not an integer in 1..2^31-1.
 */
export function inboxLimitOf(options: unknown, action: string): InboxLimit | undefined {
  if (typeof options !== "object" || options === null) return undefined;
  const { inboxLimit } = options as { inboxLimit?: unknown };
  if (inboxLimit === undefined) return undefined;
  if (typeof inboxLimit !== "object" || inboxLimit === null) {
    throw new TypeError(
      `${action}: inboxLimit must be an object like { messages, bytes }, got ${
        describe(inboxLimit)
      }`,
    );
  }
  for (const key of ["messages", "bytes"] as const) {
    const value = (inboxLimit as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value !== "number") {
      throw new TypeError(
        `${action}: inboxLimit.${key} must be a number, got ${describe(value)}`,
      );
    }
    checkLimit(value, key);
  }
  return inboxLimit as InboxLimit;
}

/**
 * One loop's inbox: exposed functions, handle, drain. It attaches to its
 * core through the core's hooks: a wake listener drains it, a close hook
 * withdraws every name.
 */
export class Inbox {
  #core: LoopCore;
  #poller: Poller;
  #exposed = new Map<string, Callback>();
  #buffer = new Uint8Array(INITIAL_BUFFER);

  /**
   * Attaches an inbox to `core` (a core on a fake poller gets one that
   * can expose functions but has no thread handle).
   *
   * @throws {RangeError} For a limit that is not an integer in 1..2^31-1.
   */
  constructor(core: LoopCore, limit?: InboxLimit) {
    this.#core = core;
    this.#poller = core.poller;
    if (limit !== undefined) this.setLimit(limit);
    if (this.#poller.inboxDrain !== undefined) {
      core.addWakeListener((bits) => {
        if ((bits & Wake.INBOX) !== 0) this.drain();
      });
    }
    core.onClose(() => this.clear());
  }

  /**
   * Sets the limits (omitted fields get the defaults). Lowering them drops
   * nothing already queued.
   */
  setLimit(limit: InboxLimit): void {
    const messages = checkLimit(limit.messages ?? DEFAULT_INBOX_LIMIT.messages, "messages");
    const bytes = checkLimit(limit.bytes ?? DEFAULT_INBOX_LIMIT.bytes, "bytes");
    const r = this.#poller.inboxSetLimit?.(messages, bytes) ?? 0;
    if (r < 0) throw new SystemError(-r, "el_inbox_set_limit", "Cannot set the inbox limit");
  }

  /**
   * Makes `fn` callable from other threads as `name`.
   *
   * @throws {TypeError} If name is not a non-empty string or fn is not a
   * function.
   * @throws {Error} If `name` is already exposed.
   */
  expose(name: string, fn: Callback): void {
    const action = `Cannot expose "${name}"`;
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError(`Cannot expose a function: the name must be a non-empty string`);
    }
    checkCallback(fn, action);
    if (this.#exposed.has(name)) {
      throw new Error(`${action}: the name is already exposed (unexpose it first)`);
    }
    this.#exposed.set(name, fn);
  }

  /** Withdraws `name`; returns whether it was exposed. */
  unexpose(name: string): boolean {
    return this.#exposed.delete(name);
  }

  /** Withdraws every name (the loop is closing). */
  clear(): void {
    this.#exposed.clear();
  }

  /**
   * The handle other threads post with.
   *
   * @throws {Error} For a loop on a fake poller.
   */
  handle(): ThreadHandle {
    const address = this.#poller.address?.();
    if (address === undefined) {
      throw new Error("Cannot make a thread handle: this loop has no native poller");
    }
    return { kind: HANDLE_KIND, loopId: address.loopId, library: address.library };
  }

  /**
   * Moves the messages queued now into the ready queue, one callback per
   * message in arrival order. Later posts wait for the next wake, so a
   * fast producer cannot keep this iteration from running.
   */
  drain(): void {
    const poller = this.#poller;
    let pending = poller.inboxCount!();
    while (pending > 0) {
      const n = poller.inboxDrain!(this.#buffer, pending);
      if (n < 0) {
        if (n !== -Errno.ENOBUFS) return; // closed meanwhile
        const need = recordSizeNeeded(this.#buffer);
        this.#buffer = new Uint8Array(Math.max(need, 2 * this.#buffer.length));
        continue;
      }
      this.#dispatch(n);
      pending -= n;
    }
  }

  #dispatch(count: number): void {
    const core = this.#core;
    for (const call of decodeRecords(this.#buffer, count)) {
      if (!call.ok) {
        core.report(new Error(`Cannot run a cross-thread call: ${call.reason}`), REPORTED_AS);
        continue;
      }
      const fn = this.#exposed.get(call.name);
      if (fn === undefined) {
        core.report(
          new Error(
            `Cannot run "${call.name}" from another thread on loop ${this.#poller.address?.().loopId}: nothing is exposed under that name`,
          ),
          REPORTED_AS,
        );
        continue;
      }
      core.enqueue(new Handler(fn, call.args));
    }
  }
}
