/**
 * A small stand-in for `@std/assert` over `node:assert/strict`, so the
 * tests run where JSR is unreachable. Point the `@std/assert` alias in
 * deno.json and tsconfig.json at `jsr:@std/assert` to use the real one.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Thrown when an assertion fails. */
export class AssertionError extends Error {
  /** @param message What failed. */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

/** Asserts that `expr` is truthy. */
export function assert(expr: unknown, msg = "Expected a truthy value"): asserts expr {
  if (!expr) throw new AssertionError(msg);
}

/** Asserts that `expr` is falsy. */
export function assertFalse(expr: unknown, msg = "Expected a falsy value"): void {
  if (expr) throw new AssertionError(msg);
}

/** Asserts deep equality. */
export function assertEquals<T>(actual: unknown, expected: T, msg?: string): asserts actual is T {
  if (msg === undefined) nodeAssert.deepStrictEqual(actual, expected);
  else nodeAssert.deepStrictEqual(actual, expected, msg);
}

/** Asserts deep inequality. */
export function assertNotEquals(actual: unknown, expected: unknown, msg?: string): void {
  if (msg === undefined) nodeAssert.notDeepStrictEqual(actual, expected);
  else nodeAssert.notDeepStrictEqual(actual, expected, msg);
}

/** Asserts `===`. */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  if (msg === undefined) nodeAssert.strictEqual(actual, expected);
  else nodeAssert.strictEqual(actual, expected, msg);
}

/** Asserts `actual >= expected`. */
export function assertGreaterOrEqual(actual: number, expected: number, msg?: string): void {
  if (!(actual >= expected)) throw new AssertionError(msg ?? `Expected ${actual} >= ${expected}`);
}

/** Asserts `actual > expected`. */
export function assertGreater(actual: number, expected: number, msg?: string): void {
  if (!(actual > expected)) throw new AssertionError(msg ?? `Expected ${actual} > ${expected}`);
}

/** Asserts `actual <= expected`. */
export function assertLessOrEqual(actual: number, expected: number, msg?: string): void {
  if (!(actual <= expected)) throw new AssertionError(msg ?? `Expected ${actual} <= ${expected}`);
}

/** Asserts `actual < expected`. */
export function assertLess(actual: number, expected: number, msg?: string): void {
  if (!(actual < expected)) throw new AssertionError(msg ?? `Expected ${actual} < ${expected}`);
}

/** Asserts that `actual` matches `expected`. */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  if (msg === undefined) nodeAssert.match(actual, expected);
  else nodeAssert.match(actual, expected, msg);
}

/** Asserts that `actual` includes `expected`. */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError(msg ?? `Expected "${actual}" to include "${expected}"`);
  }
}

/** Asserts `actual instanceof expected`. */
export function assertInstanceOf<T extends abstract new (...args: never[]) => unknown>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is InstanceType<T> {
  if (!(actual instanceof expected)) {
    throw new AssertionError(msg ?? `Expected an instance of ${expected.name}`);
  }
}

/** Fails. */
export function fail(msg = "Failed"): never {
  throw new AssertionError(msg);
}

// deno-lint-ignore no-explicit-any
type ErrorClass = abstract new (...args: any[]) => Error;

function checkError(error: unknown, ErrorClass?: ErrorClass, includes?: string): Error {
  if (ErrorClass && !(error instanceof ErrorClass)) {
    throw new AssertionError(
      `Expected error to be instance of "${ErrorClass.name}", but was "${
        (error as Error)?.constructor?.name
      }": ${(error as Error)?.message}`,
    );
  }
  if (includes !== undefined && !String((error as Error)?.message).includes(includes)) {
    throw new AssertionError(
      `Expected error message to include "${includes}", but got "${(error as Error)?.message}"`,
    );
  }
  return error as Error;
}

/** Asserts that `fn` throws (an instance of `ErrorClass`, whose message includes `includes`). */
export function assertThrows(fn: () => unknown, ErrorClass?: ErrorClass, includes?: string): Error {
  try {
    fn();
  } catch (error) {
    return checkError(error, ErrorClass, includes);
  }
  throw new AssertionError("Expected function to throw");
}

/** Asserts that `fn` rejects. */
export async function assertRejects(
  fn: () => PromiseLike<unknown>,
  ErrorClass?: ErrorClass,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return checkError(error, ErrorClass, includes);
  }
  throw new AssertionError("Expected function to reject");
}
