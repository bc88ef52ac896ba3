/**
 * The wire format of cross-thread calls: the UTF-8 JSON text of
 * `[name, ...args]`. Native threads post the same text through
 * `el_inbox_post`.
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
 *   sparse arrays, symbol-keyed properties, cycles, and every other object
 *   (Date, Map, Set, RegExp, typed arrays, ArrayBuffer, Error, class
 *   instances, boxed primitives). Convert them first (e.g. a Date to its
 *   `getTime()`, a Uint8Array to an array or a base64 string).
 *
 * @module
 */
import { describe } from "./handler.ts";

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
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) reject(action, `${where}[${i}]`, "is a hole in a sparse array");
      checkValue(value[i], `${where}[${i}]`, action, depth + 1);
    }
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    reject(action, where, `is a ${describe(value)}`);
  }
  if (Object.getOwnPropertySymbols(value).length > 0) {
    reject(action, where, "has symbol-keyed properties");
  }
  for (const key in value) {
    checkValue((value as Record<string, unknown>)[key], `${where}.${key}`, action, depth + 1);
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
  return JSON.stringify([name, ...args]);
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
