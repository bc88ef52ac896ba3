/**
 * Argument checks shared by both APIs; each throws a TypeError or a
 * RangeError whose message names the action that failed.
 *
 * @module
 */
import { describe } from "../core/handler.ts";
import { checkLimit } from "../threads/inbox.ts";

/** Checks an fd: a non-negative int32. */
export function checkFd(fd: unknown, action: string): asserts fd is number {
  if (typeof fd !== "number") {
    throw new TypeError(`${action}: fd must be a number, got ${describe(fd)}`);
  }
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
    throw new RangeError(`${action}: fd must be a non-negative integer`);
  }
}

/** Checks a delay or time in ms: a finite number. */
export function checkFinite(
  value: unknown,
  name: string,
  action: string,
): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`${action}: ${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`${action}: ${name} must be finite, got ${value}`);
  }
}

/**
 * Checks the options of `new EventLoop()` / `new IOLoop()` before anything
 * is opened, so a refused construction leaves nothing behind.
 */
export function checkLoopOptions(options: unknown, action: string): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${action}: options must be an object, got ${describe(options)}`);
  }
  const { mode, inboxLimit } = options as { mode?: unknown; inboxLimit?: unknown };
  if (mode !== undefined && typeof mode !== "string") {
    throw new TypeError(
      `${action}: mode must be "hosted" or "exclusive", got ${describe(mode)}`,
    );
  }
  if (inboxLimit === undefined) return;
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
}
