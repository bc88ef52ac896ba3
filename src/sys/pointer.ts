/**
 * Reading native memory through an opaque `Pointer`, the same on Deno and
 * Bun: what a C library hands back (a `CURLMsg *`, a `PGnotify *`, a
 * `char *`) is read by offset, the C struct layout being the caller's.
 *
 * @example A C string handed back by libc
 * ```ts
 * import { NativeLibrary, pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * using libc = NativeLibrary.open("libc.so.6", {
 *   strchr: { parameters: ["cstring", "i32"], result: "pointer" },
 * });
 * const p = libc.symbols.strchr("key=value", "=".charCodeAt(0));
 * assertEquals(pointer.cString(p!, 1), "value");
 * ```
 *
 * @module
 */
import { binding } from "../../ffi/load.ts";
import type { Pointer } from "../../ffi/foreign.ts";
import { describe } from "./validate.ts";

export type { Pointer };

const foreign = binding.foreign;
const scratch = new Uint8Array(8);
const view = new DataView(scratch.buffer);

function checkPointer(p: unknown, action: string): asserts p is Pointer {
  if (p === null || p === undefined) {
    throw new TypeError(`${action}: the pointer is NULL`);
  }
  // A pointer is an object in Deno, a number in Bun, a bigint in Node.
  if (typeof p !== "object" && typeof p !== "number" && typeof p !== "bigint") {
    throw new TypeError(`${action}: expected a Pointer, got ${describe(p)}`);
  }
}

function checkOffset(offset: unknown, action: string): asserts offset is number {
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`${action}: the offset must be an integer >= 0, got ${describe(offset)}`);
  }
}

/** Views of the scratch by size (1, 2, 4, 8): none made per read. */
const sized: Uint8Array[] = [];
for (const n of [1, 2, 4, 8]) sized[n] = scratch.subarray(0, n);

function load(p: Pointer | null, offset: number, size: number, what: string): DataView {
  // Checked without building the message, which only a failure needs
  // (it cost more than the read; bench: curl's CURLMsg reads).
  if (
    p === null || p === undefined ||
    (typeof p !== "object" && typeof p !== "number" && typeof p !== "bigint") ||
    typeof offset !== "number" || !Number.isInteger(offset) || offset < 0
  ) {
    const action = `Cannot read ${what} at offset ${offset}`;
    checkPointer(p, action);
    checkOffset(offset, action);
  }
  foreign.copyInto(p!, offset, sized[size]);
  return view;
}

/**
 * The address of a buffer's first byte (keep the buffer alive while C
 * holds the pointer).
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const buf = new Int32Array([42]);
 * assertEquals(pointer.i32(pointer.of(buf)!), 42);
 * ```
 */
export function of(buffer: ArrayBufferView): Pointer | null {
  if (!ArrayBuffer.isView(buffer)) {
    throw new TypeError(`Cannot take the address of ${describe(buffer)}: expected a TypedArray`);
  }
  return foreign.pointerOf(buffer);
}

/**
 * A pointer's address as a bigint, 0n for NULL: a key for a `Map` of
 * handles (two reads of one address may give two different objects).
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(pointer.value(null), 0n);
 * ```
 */
export function value(p: Pointer | null): bigint {
  if (p !== null) checkPointer(p, "Cannot read the address");
  return foreign.value(p);
}

/**
 * The pointer at `address` (null for 0n).
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const p = pointer.of(new Uint8Array(4))!;
 * assertEquals(pointer.value(pointer.fromValue(pointer.value(p))), pointer.value(p));
 * ```
 */
export function fromValue(address: bigint): Pointer | null {
  if (typeof address !== "bigint" || address < 0n || address >= 2n ** 64n) {
    throw new RangeError(`Cannot make a pointer from ${describe(address)}: expected a u64 bigint`);
  }
  return foreign.fromValue(address);
}

/**
 * Whether two pointers hold the same address (NULL equals NULL).
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * const buf = new Uint8Array(4);
 * assert(pointer.equals(pointer.of(buf), pointer.of(buf)));
 * ```
 */
export function equals(a: Pointer | null, b: Pointer | null): boolean {
  return value(a) === value(b);
}

/**
 * The NUL-terminated UTF-8 string at `p + offset`.
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const text = new TextEncoder().encode("hi\0");
 * assertEquals(pointer.cString(pointer.of(text)!), "hi");
 * ```
 */
export function cString(p: Pointer, offset = 0): string {
  const action = `Cannot read a C string at offset ${offset}`;
  checkPointer(p, action);
  checkOffset(offset, action);
  return foreign.cString(p, offset);
}

/**
 * A copy of `length` bytes at `p + offset`.
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const buf = new Uint8Array([1, 2, 3]);
 * assertEquals([...pointer.bytes(pointer.of(buf)!, 2, 1)], [2, 3]);
 * ```
 */
export function bytes(p: Pointer, length: number, offset = 0): Uint8Array {
  const action = `Cannot read ${length} bytes at offset ${offset}`;
  checkPointer(p, action);
  checkOffset(offset, action);
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0) {
    throw new RangeError(`${action}: the length must be an integer >= 0`);
  }
  const out = new Uint8Array(length);
  if (length > 0) foreign.copyInto(p, offset, out);
  return out;
}

/**
 * The int32 at `p + offset` (host byte order).
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(pointer.i32(pointer.of(new Int32Array([0, -5]))!, 4), -5);
 * ```
 */
export function i32(p: Pointer, offset = 0): number {
  return load(p, offset, 4, "an i32").getInt32(0, true);
}

/**
 * The uint32 at `p + offset`.
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(pointer.u32(pointer.of(new Uint32Array([2 ** 32 - 1]))!), 2 ** 32 - 1);
 * ```
 */
export function u32(p: Pointer, offset = 0): number {
  return load(p, offset, 4, "a u32").getUint32(0, true);
}

/**
 * The int64 at `p + offset`.
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(pointer.i64(pointer.of(new BigInt64Array([-7n]))!), -7n);
 * ```
 */
export function i64(p: Pointer, offset = 0): bigint {
  return load(p, offset, 8, "an i64").getBigInt64(0, true);
}

/**
 * The uint64 at `p + offset`.
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(pointer.u64(pointer.of(new BigUint64Array([9n]))!), 9n);
 * ```
 */
export function u64(p: Pointer, offset = 0): bigint {
  return load(p, offset, 8, "a u64").getBigUint64(0, true);
}

/**
 * The double at `p + offset`.
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(pointer.f64(pointer.of(new Float64Array([1.5]))!), 1.5);
 * ```
 */
export function f64(p: Pointer, offset = 0): number {
  return load(p, offset, 8, "an f64").getFloat64(0, true);
}

/**
 * The pointer stored at `p + offset` (a struct field, an array element).
 *
 * @example
 * ```ts
 * import { pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const slot = new BigUint64Array([0n]);
 * assertEquals(pointer.pointerAt(pointer.of(slot)!), null);
 * ```
 */
export function pointerAt(p: Pointer, offset = 0): Pointer | null {
  return foreign.fromValue(load(p, offset, 8, "a pointer").getBigUint64(0, true));
}
