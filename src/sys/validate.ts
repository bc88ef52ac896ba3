/**
 * Argument checks shared by every module; each throws a TypeError or a
 * RangeError whose message names the action that failed, and describes
 * the value it got.
 *
 * @module
 */

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return `the string "${value}"`;
  if (typeof value === "object") return value.constructor?.name ?? "an object";
  return `${typeof value} ${String(value)}`;
}

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
