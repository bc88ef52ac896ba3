/**
 * `Handler`: what `callSoon`, `callLater`, `addReader` and friends return,
 * the token that cancels them. The loop alone calls its callback.
 *
 * @module
 */
import { describe } from "../sys/validate.ts";

// deno-lint-ignore no-explicit-any
export type Callback = (...args: any[]) => unknown;

/** The arguments of a callback that takes none (shared, never written). */
export const NO_ARGS: unknown[] = [];

/**
 * The arguments from index `from` of a scheduling call (`arguments`): the
 * scheduling methods read `arguments.length` instead of taking a rest
 * parameter, so a call without arguments for its callback (most of them)
 * allocates no array at all. Call it only when there are some.
 */
export function argsFrom(list: IArguments, from: number): unknown[] {
  const args = new Array<unknown>(list.length - from);
  for (let i = from; i < list.length; i++) args[i - from] = list[i];
  return args;
}
/** A cancelled handler's arguments: its mark, and the old ones let go. */
const CANCELLED: unknown[] = [];

/** Runs a handler's callback (the loop's private entry). */
export let invoke: (handler: Handler) => unknown;
/** Marks a handler cancelled without calling its cancel hook. */
export let retire: (handler: Handler) => void;

/**
 * A scheduled callback. Returned by the loop; never constructed by users.
 *
 * @example Cancelling a scheduled callback
 * ```ts
 * import { EventLoop } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * using loop = new EventLoop();
 * let ran = false;
 * const handler = loop.callSoon(() => ran = true);
 * handler.cancel();
 * await loop.run();
 * assert(!ran && handler.cancelled);
 * ```
 */
export class Handler {
  #callback: Callback;
  // Doubles as the cancelled flag (CANCELLED): one field less per handler.
  // A million pending timers are a million handlers, and the bytes of
  // each are what the young-generation GC copies (bench: alloc, callLater).
  #args: unknown[];
  #onCancel: ((handler: Handler) => void) | undefined;

  /** @internal Made by the loop only. */
  constructor(
    callback: Callback,
    args: unknown[],
    onCancel?: (handler: Handler) => void,
  ) {
    this.#callback = callback;
    // Most callbacks take no arguments: sharing one empty array lets each
    // call's rest array die young instead of living as long as the handler
    // (a million pending timers held a million empty arrays; bench: timers).
    this.#args = args.length === 0 ? NO_ARGS : args;
    this.#onCancel = onCancel;
  }

  static {
    invoke = (handler) =>
      handler.#args.length === 0
        ? handler.#callback()
        : handler.#callback.apply(undefined, handler.#args);
    retire = (handler) => {
      handler.#args = CANCELLED;
    };
  }

  /** Whether `cancel()` was called (or the loop dropped this callback). */
  get cancelled(): boolean {
    return this.#args === CANCELLED;
  }

  /** The callback's name, for error reports. */
  get callbackName(): string {
    return callbackName(this.#callback);
  }

  /**
   * Cancels the callback if it has not run yet. For a reader, a writer or
   * a signal handler, removes that watcher (as evergreen does). Calling it
   * again does nothing.
   */
  cancel(): void {
    if (this.#args === CANCELLED) return;
    this.#args = CANCELLED;
    this.#onCancel?.(this);
  }
}

/**
 * A handler due at a time on the loop's clock; ordered by (when, seq).
 */
export class TimerHandler extends Handler {
  /** When it is due, in `loop.time()` milliseconds. */
  readonly when: number;
  // The scheduling order (the tie-breaker), stored as -1 - seq once the
  // timer left the heap: one small integer instead of a number and a flag.
  #seq: number;

  /** @internal Made by the loop only. */
  constructor(
    when: number,
    seq: number,
    callback: Callback,
    args: unknown[],
    onCancel: (handler: Handler) => void,
  ) {
    super(callback, args, onCancel);
    this.when = when;
    this.#seq = seq;
  }

  /** @internal Tie-breaker: scheduling order. */
  get seq(): number {
    return this.#seq >= 0 ? this.#seq : -1 - this.#seq;
  }

  /** @internal Whether it still sits in the timer heap. */
  get inHeap(): boolean {
    return this.#seq >= 0;
  }

  /** @internal The heap let it go (it is due, or the heap was cleared). */
  leaveHeap(): void {
    if (this.#seq >= 0) this.#seq = -1 - this.#seq;
  }
}

/** A function's name for error reports ("<anonymous>" when it has none). */
export function callbackName(fn: Callback): string {
  return fn.name || "<anonymous>";
}

/**
 * Throws the TypeError every scheduling method gives for a bad callback.
 *
 * @param action What failed, for the message: "Cannot schedule a timer".
 */
export function checkCallback(callback: unknown, action: string): asserts callback is Callback {
  // A Handler is an object, never a function: the common case pays one typeof.
  if (typeof callback === "function") return;
  if (callback instanceof Handler) {
    throw new TypeError(`${action}: the callback is a Handler, pass a function instead`);
  }
  throw new TypeError(`${action}: the callback must be a function, got ${describe(callback)}`);
}
