/**
 * One FFI for every runtime: opens the user's own C library (libc,
 * libcurl, libpq, a vendor SDK) from one symbol table, and runs the same
 * code on Deno (`Deno.dlopen`), Bun (`bun:ffi`) and Node (`node:ffi`).
 *
 * The types are evloop's vocabulary (the shim's `i32`, `u32`, `f64`,
 * `buffer`, `function`, `void`, plus what foreign C needs):
 *
 * | type | C | in | out |
 * |---|---|---|---|
 * | `i8` `u8` `i16` `u16` `i32` `u32` | the fixed-width ints, `int` | number | number |
 * | `i64` `u64` | `int64_t`, `curl_off_t` | number or bigint | bigint |
 * | `isize` `usize` | `long`, `ssize_t`, `size_t` (LP64) | number or bigint | number |
 * | `f32` `f64` | `float`, `double` | number | number |
 * | `bool` | `bool` | boolean | boolean |
 * | `pointer` | any `T *`, `void *` | `Pointer` or null | `Pointer` or null |
 * | `buffer` | `T *` into caller-owned memory | TypedArray or null | (not a result) |
 * | `cstring` | `const char *` (UTF-8, NUL-terminated) | string or null | string or null |
 * | `function` | a function pointer | `NativeCallback`, `Pointer` or null | `Pointer` or null |
 * | `void` | `void` (results only) | | undefined |
 *
 * A `Pointer` is opaque; read through it with the `pointer` helpers.
 * Declare `errno: true` on a function to capture errno right after each
 * call (as `library.errno`): reading it later is unreliable, since any
 * other call on the thread may change it.
 *
 * @example getpid, strlen, and errno after a failed close
 * ```ts
 * import { errnoName, NativeLibrary } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * using libc = NativeLibrary.open("libc.so.6", {
 *   getpid: { parameters: [], result: "i32" },
 *   strlen: { parameters: ["cstring"], result: "usize" },
 *   close: { parameters: ["i32"], result: "i32", errno: true },
 * });
 * assertEquals(libc.symbols.strlen("héllo"), 6);
 * assertEquals(libc.symbols.close(-1), -1);
 * assertEquals(errnoName(libc.errno), "EBADF");
 * ```
 *
 * @module
 */
import { binding, lib } from "../../ffi/load.ts";
import type {
  Pointer,
  RawCall,
  RawCallback,
  RawFunction,
  RawLibrary,
  RawType,
} from "../../ffi/foreign.ts";
import { describe } from "./validate.ts";

export type { NativeType } from "../../ffi/symbols.ts";
export type { Pointer, RawType };

/** The types of evloop's FFI vocabulary (see the table above). */
export type ForeignType = RawType | "cstring";

/** One C function of a foreign library. */
export interface ForeignFunction {
  /** The C symbol, when the key differs: declare a variadic function once
   * per argument list (`curl_easy_setopt` with a long, with a pointer). */
  readonly name?: string;
  /** The C parameter types, in order. */
  readonly parameters: readonly ForeignType[];
  /** The C result type. */
  readonly result: ForeignType;
  /** Capture errno right after each call, as `library.errno`. */
  readonly errno?: boolean;
}

/** A callback's C signature. */
export interface CallbackSignature {
  /** The C parameter types C passes, in order. */
  readonly parameters: readonly ForeignType[];
  /** The C result type the callback returns. */
  readonly result: ForeignType;
}

/** The JavaScript value passed for a C type `T` (an argument to C). */
export type In<T> = T extends "i64" | "u64" | "isize" | "usize" ? number | bigint
  : T extends "bool" ? boolean
  : T extends "pointer" ? Pointer | null
  : T extends "buffer" ? ArrayBufferView | null
  : T extends "cstring" ? string | null
  : T extends "function" ? NativeCallback | Pointer | null
  : T extends "void" ? void
  : number;

/** The JavaScript value received for a C type `T` (a result from C). */
export type Out<T> = T extends "i64" | "u64" ? bigint
  : T extends "bool" ? boolean
  : T extends "pointer" | "function" ? Pointer | null
  : T extends "cstring" ? string | null
  : T extends "void" ? void
  : number;

/** Maps a tuple of C types to the JavaScript values going in or out. */
export type Each<P, Map extends "in" | "out"> = {
  -readonly [K in keyof P]: Map extends "in" ? In<P[K]> : Out<P[K]>;
};

/** A foreign function as JavaScript calls it. */
export type ForeignCall<F extends ForeignFunction> = (
  ...args: Each<F["parameters"], "in">
) => Out<F["result"]>;

/** The JavaScript function a callback of signature `S` runs. */
export type CallbackFunction<S extends CallbackSignature> = (
  ...args: Each<S["parameters"], "out">
) => In<S["result"]>;

const TYPES = new Set<string>([
  "i8",
  "u8",
  "i16",
  "u16",
  "i32",
  "u32",
  "i64",
  "u64",
  "isize",
  "usize",
  "f32",
  "f64",
  "bool",
  "pointer",
  "buffer",
  "cstring",
  "function",
  "void",
]);

/** Types a JavaScript number passes to unchanged (a Bun pointer is one). */
const TAKES_NUMBER = new Set<string>(
  [...TYPES].filter((type) => !["bool", "buffer", "cstring", "void"].includes(type)),
);

const foreign = binding.foreign;
const encoder = new TextEncoder();

// The first exception thrown by a callback during a foreign call: C cannot
// unwind through JavaScript, so C gets a zero result and the exception is
// rethrown from the foreign call that ran the callback.
let callbackError: { error: unknown } | undefined;

function takeCallbackError(): void {
  if (callbackError === undefined) return;
  const { error } = callbackError;
  callbackError = undefined;
  throw error;
}

function checkType(type: unknown, where: string, action: string): ForeignType {
  if (typeof type !== "string" || !TYPES.has(type)) {
    const shown = typeof type === "string" ? JSON.stringify(type) : describe(type);
    throw new TypeError(`${action}: ${where} has unknown type ${shown}`);
  }
  return type as ForeignType;
}

function cString(text: unknown, action: string): Uint8Array | null {
  if (text === null) return null;
  if (typeof text !== "string") {
    throw new TypeError(`${action}: expected a string or null, got ${describe(text)}`);
  }
  // ASCII (URLs, paths, option values) is copied byte by byte: Deno's
  // TextEncoder took a microsecond per call, more than the C call itself.
  const n = text.length;
  if (n <= 256) {
    const out = new Uint8Array(n + 1);
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0) throw new RangeError(`${action}: the string contains a NUL`);
      if (c > 0x7f) break;
      out[i] = c;
    }
    if (i === n) return out;
  }
  if (text.includes("\0")) throw new RangeError(`${action}: the string contains a NUL`);
  return encoder.encode(`${text}\0`);
}

function isPointerLike(value: unknown): boolean {
  return value === null ||
    (typeof value === "object" && !ArrayBuffer.isView(value)) ||
    typeof value === "number" || typeof value === "bigint";
}

/**
 * Turns argument `i` into what the binding takes, or throws a TypeError
 * (the message, `${call}: argument ${i}`, is only built then).
 */
function toC(type: ForeignType, value: unknown, call: string, i: number): unknown {
  const action = `${call}: argument ${i}`;
  switch (type) {
    case "cstring":
      return cString(value, action);
    case "buffer":
      if (value !== null && !ArrayBuffer.isView(value)) {
        throw new TypeError(`${action}: expected a TypedArray or null, got ${describe(value)}`);
      }
      return value;
    case "function":
      if (value instanceof NativeCallback) return value.pointer;
      if (!isPointerLike(value)) {
        throw new TypeError(`${action}: expected a NativeCallback, got ${describe(value)}`);
      }
      return value;
    case "pointer":
      if (!isPointerLike(value)) {
        const hint = ArrayBuffer.isView(value) ? ' (pass pointer.of(buffer) or use "buffer")' : "";
        throw new TypeError(`${action}: expected a Pointer or null, got ${describe(value)}${hint}`);
      }
      return value;
    case "bool":
      if (typeof value !== "boolean") {
        throw new TypeError(`${action}: expected a boolean, got ${describe(value)}`);
      }
      return value;
    case "i64":
    case "u64":
    case "isize":
    case "usize":
      if (typeof value !== "bigint" && typeof value !== "number") {
        throw new TypeError(`${action}: expected a number or bigint, got ${describe(value)}`);
      }
      return value;
    default:
      if (typeof value !== "number") {
        throw new TypeError(`${action}: expected a number, got ${describe(value)}`);
      }
      return value;
  }
}

/** What the binding opens for `type`: C strings cross as bytes in, a pointer out. */
function raw(type: ForeignType): RawType {
  return type === "cstring" ? "pointer" : type;
}

function rawParameter(type: ForeignType): RawType {
  return type === "cstring" ? "buffer" : type;
}

function fromC(type: ForeignType, value: unknown): unknown {
  if (type !== "cstring") return value;
  return value === null ? null : foreign.cString(value as Pointer, 0);
}

/** The result C gets from a callback that threw. */
function zero(type: ForeignType): unknown {
  switch (type) {
    case "void":
      return undefined;
    case "i64":
    case "u64":
      return 0n;
    case "bool":
      return false;
    case "pointer":
    case "function":
      return null;
    default:
      return 0;
  }
}

/** The `symbols` of a `NativeLibrary` opened with table `T`. */
export type ForeignSymbols<T extends Record<string, ForeignFunction>> = {
  readonly [K in keyof T]: ForeignCall<T[K]>;
};

/**
 * A C library of the user's, opened by path or soname ("libc.so.6",
 * "libcurl.so.4", "/opt/vendor/libsdk.so").
 *
 * @example libc's write into an evloop pipe
 * ```ts
 * import { fd, NativeLibrary } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * using libc = NativeLibrary.open("libc.so.6", {
 *   write: { parameters: ["i32", "buffer", "usize"], result: "isize", errno: true },
 * });
 * const [r, w] = fd.pipe();
 * assertEquals(libc.symbols.write(w, new Uint8Array([1, 2]), 2), 2);
 * assertEquals(fd.read(r, new Uint8Array(4)), 2);
 * fd.close(r);
 * fd.close(w);
 * ```
 */
export class NativeLibrary<T extends Record<string, ForeignFunction>> {
  /** The path or soname it was opened with. */
  readonly path: string;
  /** The functions, by key. */
  readonly symbols: ForeignSymbols<T>;
  #raw: RawLibrary;
  #closed = false;
  #errno = 0;

  private constructor(path: string, table: T) {
    this.path = path;
    const action = `Cannot open native library "${path}"`;
    const functions: Record<string, RawFunction> = {};
    // Deno opens an empty table and Bun refuses it: refused on both.
    if (Object.keys(table).length === 0) {
      throw new TypeError(`${action}: the symbol table is empty (declare at least one function)`);
    }
    for (const [key, spec] of Object.entries(table)) {
      if (typeof spec !== "object" || spec === null || !Array.isArray(spec.parameters)) {
        throw new TypeError(`${action}: ${key} must be { parameters: [...], result }`);
      }
      const name = spec.name ?? key;
      if (typeof name !== "string" || name === "") {
        throw new TypeError(`${action}: ${key} has a bad name ${describe(name)}`);
      }
      const parameters = spec.parameters.map((t, i) => {
        const type = checkType(t, `${key} parameter ${i}`, action);
        if (type === "void") throw new TypeError(`${action}: ${key} parameter ${i} is void`);
        return rawParameter(type);
      });
      const result = checkType(spec.result, `${key} result`, action);
      if (result === "buffer") {
        throw new TypeError(`${action}: ${key} cannot return a buffer: use "pointer"`);
      }
      functions[key] = { name, parameters, result: raw(result) };
    }
    try {
      this.#raw = foreign.open(path, functions);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${action}: ${message}`, { cause: error });
    }
    const symbols: Record<string, RawCall> = {};
    for (const [key, spec] of Object.entries(table)) {
      symbols[key] = this.#wrap(key, spec, this.#raw.functions[key]);
    }
    this.symbols = symbols as ForeignSymbols<T>;
  }

  /**
   * Opens `path` with the functions of `table`.
   *
   * @example
   * ```ts
   * import { NativeLibrary } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * using libc = NativeLibrary.open("libc.so.6", {
   *   getpid: { parameters: [], result: "i32" },
   * });
   * assert(libc.symbols.getpid() > 0);
   * ```
   *
   * @throws {TypeError} For a malformed table (an unknown type names the
   * function and the parameter).
   * @throws {Error} When the library or a symbol cannot be found, with the
   * runtime's message and the error as `cause`.
   */
  static open<const T extends Record<string, ForeignFunction>>(
    path: string,
    table: T,
  ): NativeLibrary<T> {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`Cannot open native library ${describe(path)}: expected a path`);
    }
    if (typeof table !== "object" || table === null) {
      throw new TypeError(`Cannot open native library "${path}": expected a symbol table`);
    }
    return new NativeLibrary(path, table);
  }

  /**
   * The errno captured right after the last call of a function declared
   * with `errno: true` (0 when that call did not set it).
   *
   * @example
   * ```ts
   * import { errnoName, NativeLibrary } from "@evloop/evloop";
   * import { assertEquals } from "@std/assert";
   *
   * using libc = NativeLibrary.open("libc.so.6", {
   *   dup: { parameters: ["i32"], result: "i32", errno: true },
   * });
   * libc.symbols.dup(-1);
   * assertEquals(errnoName(libc.errno), "EBADF");
   * ```
   */
  get errno(): number {
    return this.#errno;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Closes the library; its functions then throw instead of calling into
   * unmapped code. A second call does nothing.
   *
   * @example
   * ```ts
   * import { NativeLibrary } from "@evloop/evloop";
   * import { assertThrows } from "@std/assert";
   *
   * const libc = NativeLibrary.open("libc.so.6", {
   *   getpid: { parameters: [], result: "i32" },
   * });
   * libc.close();
   * assertThrows(() => libc.symbols.getpid());
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#raw.close();
  }

  /** Closes the library (`using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  #wrap(key: string, spec: ForeignFunction, call: RawCall): RawCall {
    const types = spec.parameters as ForeignType[];
    const result = spec.result;
    const arity = types.length;
    const withErrno = spec.errno === true;
    // Built once: a message per call was most of a call's cost (bench: curl).
    const action = `Cannot call ${key}`;
    const takesNumber = types.map((t) => TAKES_NUMBER.has(t));
    return (...args: unknown[]) => {
      if (this.#closed) throw new Error(`${action}: the library "${this.path}" is closed`);
      if (args.length !== arity) {
        throw new TypeError(`${action}: it takes ${arity} argument(s), got ${args.length}`);
      }
      for (let i = 0; i < arity; i++) {
        // A number where one is taken passes as it is (the common case).
        if (typeof args[i] !== "number" || !takesNumber[i]) {
          args[i] = toC(types[i], args[i], action, i);
        }
      }
      if (withErrno) lib.el_set_errno(0);
      const value = call(...args);
      if (withErrno) this.#errno = lib.el_errno();
      if (callbackError !== undefined) takeCallbackError();
      return result === "cstring" ? fromC(result, value) : value;
    };
  }
}

/**
 * A C function pointer that runs JavaScript synchronously: C must call it
 * on this thread, during a call into C (curl's socket and timer functions,
 * qsort's comparator). If it throws, C gets 0 (or NULL) and the exception is
 * rethrown from the `NativeLibrary` call that ran it. Close it once C can
 * no longer call it.
 *
 * @example qsort with a JavaScript comparator
 * ```ts
 * import { NativeCallback, NativeLibrary, pointer } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * using libc = NativeLibrary.open("libc.so.6", {
 *   qsort: { parameters: ["buffer", "usize", "usize", "function"], result: "void" },
 * });
 * using compare = new NativeCallback(
 *   { parameters: ["pointer", "pointer"], result: "i32" },
 *   (a, b) => pointer.i32(a!) - pointer.i32(b!),
 * );
 * const values = new Int32Array([3, 1, 2]);
 * libc.symbols.qsort(values, 3, 4, compare);
 * assertEquals([...values], [1, 2, 3]);
 * ```
 */
export class NativeCallback<const S extends CallbackSignature = CallbackSignature> {
  #raw: RawCallback;
  #closed = false;

  /**
   * Makes a C function pointer that runs `fn` synchronously, on the
   * thread that made it.
   *
   * @param signature The C signature (`cstring` parameters arrive as
   * strings; a callback cannot return a `cstring` or a `buffer`).
   * @param fn The function C calls.
   */
  constructor(signature: S, fn: CallbackFunction<S>) {
    const action = "Cannot make a native callback";
    if (
      typeof signature !== "object" || signature === null || !Array.isArray(signature.parameters)
    ) {
      throw new TypeError(`${action}: the signature must be { parameters: [...], result }`);
    }
    if (typeof fn !== "function") {
      throw new TypeError(`${action}: expected a function, got ${describe(fn)}`);
    }
    const types = signature.parameters.map((t, i) => {
      const type = checkType(t, `parameter ${i}`, action);
      if (type === "void" || type === "buffer") {
        throw new TypeError(`${action}: parameter ${i} cannot be ${type}: use "pointer"`);
      }
      return type;
    });
    const result = checkType(signature.result, "the result", action);
    if (result === "cstring" || result === "buffer") {
      throw new TypeError(`${action}: a callback cannot return a ${result}: use "pointer"`);
    }
    const strings = types.some((t) => t === "cstring");
    const run = (...args: unknown[]) => {
      try {
        if (strings) { for (let i = 0; i < types.length; i++) args[i] = fromC(types[i], args[i]); }
        const out = (fn as (...a: unknown[]) => unknown)(...args);
        return result === "function" && out instanceof NativeCallback ? out.pointer : out;
      } catch (error) {
        callbackError ??= { error };
        return zero(result);
      }
    };
    this.#raw = foreign.callback({ parameters: types.map(raw), result }, run);
  }

  /** The function pointer to hand to C. */
  get pointer(): Pointer {
    if (this.#closed) throw new Error("Cannot use a closed native callback");
    return this.#raw.pointer;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Frees the trampoline: C must not call it afterwards. A second call does
   * nothing.
   *
   * @example
   * ```ts
   * import { NativeCallback } from "@evloop/evloop";
   * import { assert } from "@std/assert";
   *
   * const cb = new NativeCallback({ parameters: [], result: "void" }, () => {});
   * cb.close();
   * assert(cb.closed);
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#raw.close();
  }

  /** Closes the callback (`using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}
