import { describe } from "../sys/validate.ts";
/**
 * The wire format of cross-thread calls: the UTF-8 JSON text of
 * `[name, ...args]`. Native threads post the same text through
 * `el_inbox_post`. A drain of the shim's inbox hands them back framed as
 * records (`el_inbox_drain`: a little-endian uint32 length, then the
 * bytes): `decodeRecords` reads those.
 *
 * JSON, because it is synchronous and identical in Deno, Bun and C; the
 * values it carries are checked first so that nothing arrives changed:
 *
 * - Accepted: `null`, booleans, finite numbers, strings (any, lone
 *   surrogates included), arrays of accepted values, and plain objects
 *   (prototype `Object.prototype` or `null`, string keys) of accepted
 *   values. `-0` arrives as `0`.
 * - Rejected with a TypeError: `undefined` (also as an array element or a
 *   property value), functions, symbols, bigints, `NaN` and infinities,
 *   sparse arrays, symbol-keyed and non-enumerable properties (JSON would
 *   drop them), getters that throw, cycles, and every other object
 *   (Date, Map, Set, RegExp, typed arrays, ArrayBuffer, Error, class
 *   instances, boxed primitives). Convert them first (e.g. a Date to its
 *   `getTime()`, a Uint8Array to an array or a base64 string).
 *
 * @module
 */

/** Nesting deeper than this is rejected (and cycles with it). */
const MAX_DEPTH = 64;

function reject(action: string, where: string, what: string): never {
  throw new TypeError(`${action}: ${where} ${what}, which cannot cross threads`);
}

function checkValue(value: unknown, where: string, action: string, depth: number): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) reject(action, where, `is ${value}`);
      return;
    case "object":
      break;
    case "undefined":
      return reject(action, where, "is undefined");
    default:
      return reject(action, where, `is a ${typeof value}`);
  }
  if (value === null) return;
  if (depth >= MAX_DEPTH) {
    reject(action, where, `nests deeper than ${MAX_DEPTH} levels (or is cyclic)`);
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) {
      reject(action, where, "is an Array subclass");
    }
    checkOwnKeys(value, where, action, true);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) reject(action, `${where}[${i}]`, "is a hole in a sparse array");
      checkValue(read(value, i, `${where}[${i}]`, action), `${where}[${i}]`, action, depth + 1);
    }
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    reject(action, where, `is a ${describe(value)}`);
  }
  checkOwnKeys(value, where, action, false);
  for (const key in value) {
    const at = `${where}.${key}`;
    checkValue(read(value, key, at, action), at, action, depth + 1);
  }
}

/**
 * Rejects what JSON would silently drop: symbol keys, non-enumerable own
 * properties (an array's `length` aside), and keys JSON skips on arrays.
 */
function checkOwnKeys(value: object, where: string, action: string, array: boolean): void {
  if (Object.getOwnPropertySymbols(value).length > 0) {
    reject(action, where, "has symbol-keyed properties");
  }
  const names = Object.getOwnPropertyNames(value);
  // An array of indices and `length` only: JSON writes every index.
  if (array && names.length === (value as unknown[]).length + 1) return;
  for (const key of names) {
    if (array) {
      if (key !== "length" && !/^(0|[1-9][0-9]*)$/.test(key)) {
        reject(action, where, `has a property "${key}" that is not an index (JSON would drop it)`);
      }
    } else if (!Object.prototype.propertyIsEnumerable.call(value, key)) {
      reject(action, where, `has a non-enumerable property "${key}" (JSON would drop it)`);
    }
  }
}

/** Reads a property; a getter that throws becomes a clear TypeError. */
function read(value: object, key: string | number, where: string, action: string): unknown {
  try {
    return (value as Record<string | number, unknown>)[key];
  } catch (error) {
    throw new TypeError(
      `${action}: ${where} has a getter that threw (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
}

/**
 * Checks `name` and `args` and returns the message text.
 *
 * @throws {TypeError} For a name that is not a non-empty string or an
 * argument outside the accepted types.
 */
export function encodeCall(name: unknown, args: unknown[], action: string): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`${action}: the name must be a non-empty string, got ${describe(name)}`);
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // Primitives, the common case, need no walk.
    if (typeof arg === "string" || typeof arg === "boolean" || arg === null) continue;
    checkValue(arg, `argument ${i + 1}`, action, 0);
  }
  try {
    return JSON.stringify([name, ...args]);
  } catch (error) {
    // A getter that throws only the second time it is read.
    throw new TypeError(
      `${action}: an argument could not be turned into JSON (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
}

/** A decoded call, or the reason the text is not one. */
export type DecodedCall =
  | { ok: true; name: string; args: unknown[] }
  | { ok: false; reason: string };

/** Parses a message's text (from a Worker or a native thread). */
export function decodeCall(text: string): DecodedCall {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "it is not JSON" };
  }
  if (!Array.isArray(value) || typeof value[0] !== "string") {
    return { ok: false, reason: 'it is not an array ["name", ...args]' };
  }
  const name = value[0];
  value.shift();
  return { ok: true, name, args: value };
}

const decoder = new TextDecoder();

/** A little-endian uint32 at `at`. */
function u32le(buf: Uint8Array, at: number): number {
  return (buf[at] | buf[at + 1] << 8 | buf[at + 2] << 16 | buf[at + 3] << 24) >>> 0;
}

/**
 * The calls in the first `count` records of `buf`, as `el_inbox_drain`
 * wrote them, in order.
 *
 * @example
 * ```ts
 * import { decodeRecords } from "./message.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const text = new TextEncoder().encode('["tick",1]');
 * const buf = new Uint8Array(4 + text.length);
 * new DataView(buf.buffer).setUint32(0, text.length, true);
 * buf.set(text, 4);
 * assertEquals([...decodeRecords(buf, 1)], [{ ok: true, name: "tick", args: [1] }]);
 * ```
 */
export function* decodeRecords(buf: Uint8Array, count: number): Generator<DecodedCall> {
  let off = 0;
  for (let k = 0; k < count; k++) {
    const len = u32le(buf, off);
    off += 4;
    yield decodeCall(decoder.decode(buf.subarray(off, off + len)));
    off += len;
  }
}

/**
 * The size a record needs, as `el_inbox_drain` writes it at the start of
 * a buffer too small for it (with -ENOBUFS).
 */
export function recordSizeNeeded(buf: Uint8Array): number {
  return u32le(buf, 0);
}
