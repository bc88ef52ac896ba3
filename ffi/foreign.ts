/**
 * What a runtime binding provides to open the user's own C library
 * (`src/sys/native_library.ts`): the part of `Deno.dlopen` / `bun:ffi` / `node:ffi` that
 * differs only in spelling. The neutral layer converts C strings, checks
 * arguments and reads errno; the bindings only translate types and values.
 *
 * @module
 */
import type { NativeType } from "./symbols.ts";

/**
 * An address in native memory, opaque to JavaScript: pass it back to C,
 * compare it with `pointer.equals`, read through it with `pointer.*`.
 * (A `Deno.PointerObject` under Deno, a number under Bun, a bigint under
 * Node; never rely on it.)
 * NULL is `null`.
 */
export type Pointer = { readonly __evloopPointer: never };

/**
 * The types a binding translates: the shim's own (`i32`, `u32`, `f64`,
 * `buffer`, `function`, `void`) and those a foreign library needs.
 * `cstring` is handled above the bindings, as a `buffer` in and a
 * `pointer` out.
 */
export type RawType =
  | NativeType
  | "i8"
  | "u8"
  | "i16"
  | "u16"
  | "i64"
  | "u64"
  | "isize"
  | "usize"
  | "f32"
  | "bool"
  | "pointer";

/** One foreign function as the binding opens it. */
export interface RawFunction {
  /** The C symbol (several entries may name the same one). */
  readonly name: string;
  readonly parameters: readonly RawType[];
  readonly result: RawType;
}

/** One callback signature as the binding makes it. */
export interface RawSignature {
  readonly parameters: readonly RawType[];
  readonly result: RawType;
}

/**
 * A function of the foreign library. Values are normalised: pointers are
 * `Pointer | null`, `i64`/`u64` are bigints, `isize`/`usize` numbers.
 */
export type RawCall = (...args: unknown[]) => unknown;

/** An opened foreign library. */
export interface RawLibrary {
  readonly functions: Record<string, RawCall>;
  close(): void;
}

/** A C function pointer that calls JavaScript on the calling thread. */
export interface RawCallback {
  readonly pointer: Pointer;
  close(): void;
}

/** The runtime-specific half of `NativeLibrary` (ffi/deno.ts, ffi/bun.ts, ffi/node.ts). */
export interface ForeignBinding {
  /** Opens `path` (a path or a soname) with `functions`; throws if it cannot. */
  open(path: string, functions: Record<string, RawFunction>): RawLibrary;
  /** Makes a synchronous callback: C must call it on the JavaScript thread. */
  callback(signature: RawSignature, fn: RawCall): RawCallback;
  /** The address of a buffer's first byte. */
  pointerOf(buffer: ArrayBufferView): Pointer | null;
  /** A pointer's address as a bigint (0n for null). */
  value(pointer: Pointer | null): bigint;
  /** The pointer at an address (null for 0n). */
  fromValue(address: bigint): Pointer | null;
  /** Copies `into.length` bytes starting at `pointer + offset`. */
  copyInto(pointer: Pointer, offset: number, into: Uint8Array): void;
  /** The NUL-terminated UTF-8 string at `pointer + offset`. */
  cString(pointer: Pointer, offset: number): string;
}

/** Normalises an integer result that may be a bigint to a number. */
export function toNumber(value: unknown): number {
  return typeof value === "bigint" ? Number(value) : value as number;
}

/** Normalises a 64-bit integer result to a bigint. */
export function toBigInt(value: unknown): bigint {
  return typeof value === "bigint" ? value : BigInt(value as number);
}
