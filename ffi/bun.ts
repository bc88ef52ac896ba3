/**
 * The Bun binding: `bun:ffi` over the one symbol table.
 *
 * `bun:ffi` is loaded through `process.getBuiltinModule`, so that Deno's
 * type checker, which has no Bun types, never follows it, and no import
 * has to be awaited.
 *
 * @module
 */
import { type Binding, type Lib, type NativeType, type Shim, symbols } from "./symbols.ts";
import {
  type ForeignBinding,
  type Pointer,
  type RawCall,
  type RawFunction,
  type RawType,
  toBigInt,
  toNumber,
} from "./foreign.ts";
import { holdProcessSignal } from "./process_signal.ts";

interface BunFfi {
  dlopen(
    path: string,
    defs: Record<string, { args: string[]; returns: string }>,
  ): { symbols: unknown; close(): void };
  JSCallback: new (
    fn: (...args: never[]) => unknown,
    def: { args: string[]; returns: string; threadsafe: boolean },
  ) => { ptr: unknown; close(): void };
  ptr(buffer: ArrayBufferView): number;
  toArrayBuffer(
    pointer: number,
    offset: number,
    length: number,
    deallocatorContext?: number | null,
    deallocator?: number,
  ): ArrayBuffer;
  CString: new (pointer: number, offset?: number) => { toString(): string };
}

const isBun = "Bun" in globalThis;
const isMainThread = isBun && (globalThis as unknown as { Bun: { isMainThread: boolean } }).Bun
  .isMainThread;
// Loaded only under Bun, and without an import: a top-level await would
// keep Node's require() from loading evloop (Bun's process has
// getBuiltinModule, as Node's does).
const ffi = isBun
  ? (globalThis as unknown as { process: { getBuiltinModule(id: string): unknown } }).process
    .getBuiltinModule("bun:ffi") as BunFfi
  : undefined;

/** Bun names a caller-owned buffer "ptr" (a TypedArray passes as one). */
function toBun(type: NativeType): string {
  return type === "buffer" ? "ptr" : type;
}

function toBunTable(): Record<string, { args: string[]; returns: string }> {
  const out: Record<string, { args: string[]; returns: string }> = {};
  for (const [name, spec] of Object.entries(symbols)) {
    out[name] = {
      args: spec.parameters.map(toBun),
      returns: toBun(spec.result),
    };
  }
  return out;
}

/** Bun's spelling of each foreign type: 64-bit sizes come back as numbers
 * from the `_fast` kinds, pointers and buffers are both "ptr". */
const bunForeignTypes: Record<RawType, string> = {
  i8: "i8",
  u8: "u8",
  i16: "i16",
  u16: "u16",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  u64: "u64",
  isize: "i64_fast",
  usize: "u64_fast",
  f32: "f32",
  f64: "f64",
  bool: "bool",
  pointer: "ptr",
  buffer: "ptr",
  function: "function",
  void: "void",
};

/** Bun hands pointers back as numbers (NULL as null or 0) and 64-bit
 * integers as bigints or numbers: one shape each. */
function normaliser(type: RawType): ((value: unknown) => unknown) | undefined {
  if (type === "i64" || type === "u64") return toBigInt;
  if (type === "isize" || type === "usize") return toNumber;
  if (type === "pointer") return (value) => value === 0 ? null : value;
  return undefined;
}

/**
 * Bun keys a symbol table by C name, so entries that share one symbol (a
 * variadic function declared once per argument type) are opened in rounds:
 * the n-th entry of each name goes to the n-th `dlopen`.
 */
function rounds(functions: Record<string, RawFunction>): Map<string, RawFunction>[] {
  const out: Map<string, RawFunction>[] = [new Map()]; // always open once
  const used = new Map<string, number>();
  for (const [key, f] of Object.entries(functions)) {
    const n = used.get(f.name) ?? 0;
    used.set(f.name, n + 1);
    (out[n] ??= new Map()).set(key, f);
  }
  return out;
}

function foreignBinding(ffi: BunFfi): ForeignBinding {
  return {
    open(path, functions) {
      const calls: Record<string, RawCall> = {};
      const opened: { close(): void }[] = [];
      try {
        for (const round of rounds(functions)) {
          const table: Record<string, { args: string[]; returns: string }> = {};
          for (const f of round.values()) {
            table[f.name] = {
              args: f.parameters.map((t) => bunForeignTypes[t]),
              returns: bunForeignTypes[f.result],
            };
          }
          let library;
          try {
            library = ffi.dlopen(path, table);
          } catch (error) {
            // Bun says 'Failed to open library "<path>": ' before dlerror's text.
            const message = String((error as Error)?.message ?? error);
            throw new Error(message.replace(/^Failed to open library "[^"]*": /, ""), {
              cause: error,
            });
          }
          opened.push(library);
          const raw = library.symbols as Record<string, RawCall>;
          for (const [key, f] of round) {
            const call = raw[f.name];
            const fix = normaliser(f.result);
            calls[key] = fix === undefined ? call : (...args) => fix(call(...args));
          }
        }
      } catch (error) {
        for (const library of opened) library.close();
        throw error;
      }
      return { functions: calls, close: () => opened.forEach((l) => l.close()) };
    },
    callback(signature, fn) {
      const fixes = signature.parameters.map(normaliser);
      const toC = signature.result === "pointer"
        ? (value: unknown) => value ?? 0
        : (value: unknown) => value;
      // Fixed in place: no array per call (curl's write callback runs
      // several times per transfer).
      const fixed = fixes.flatMap((f, i) => f === undefined ? [] : [i]);
      const wrapped = (...args: unknown[]) => {
        for (const i of fixed) args[i] = fixes[i]!(args[i]);
        return toC(fn(...args));
      };
      const callback = new ffi.JSCallback(wrapped as (...args: never[]) => unknown, {
        args: signature.parameters.map((t) => bunForeignTypes[t]),
        returns: bunForeignTypes[signature.result],
        threadsafe: false,
      });
      return { pointer: callback.ptr as Pointer, close: () => callback.close() };
    },
    pointerOf: (buffer) => ffi.ptr(buffer) as unknown as Pointer,
    value: (pointer) => BigInt((pointer ?? 0) as unknown as number),
    fromValue: (address) => address === 0n ? null : Number(address) as unknown as Pointer,
    copyInto(pointer, offset, into) {
      const source = ffi.toArrayBuffer(pointer as unknown as number, offset, into.length);
      into.set(new Uint8Array(source));
    },
    cString: (pointer, offset) => new ffi.CString(pointer as unknown as number, offset).toString(),
  };
}

interface BunTimer {
  ref(): void;
  unref(): void;
}

const proc = (globalThis as unknown as {
  process: {
    on(event: string, listener: () => void): void;
    off(event: string, listener: () => void): void;
    env: Record<string, string | undefined>;
    platform: string;
    arch: string;
    report?: { getReport(): { header?: { glibcVersionRuntime?: string } } };
  };
}).process;

// Parking uses the shim's waiter thread, which reports through one
// threadsafe JSCallback per thread. Bun queues such a call and returns at
// once, so closing a loop (which joins the waiter thread) cannot deadlock.
const parked = new Map<number, (result: number) => void>();
const withWaker = new Set<number>();
let waker: { ptr: unknown } | undefined;
let keepAlive: BunTimer | undefined;
// Bun frees this thread's JSCallbacks with a terminated Worker's VM, a few
// ms before the thread ends and the shim closes its loops: a park ending
// in between would call freed code. This buffer's deallocator runs as the
// VM is torn down and disarms the wakers first (el_thread_teardown_hook).
// Held for the thread's lifetime, it is never collected before that.
const heldUntilTeardown: ArrayBuffer[] = [];

function armTeardownHook(lib: Lib): void {
  const out = new Uint8Array(16);
  if (lib.el_thread_teardown_hook(out) < 0) return;
  // Two addresses in the machine's byte order.
  const [token, release] = new BigUint64Array(out.buffer);
  heldUntilTeardown.push(ffi!.toArrayBuffer(Number(token), 0, 8, null, Number(release)));
}

function onWake(id: number, result: number): void {
  const onReady = parked.get(id);
  if (onReady === undefined) return; // closed since the park began
  settle(id);
  onReady(result);
}

function settle(id: number): void {
  if (parked.delete(id) && parked.size === 0) keepAlive!.unref();
}

/** Whether this Linux process runs on glibc (Node's report says so). */
function glibcRuntime(): boolean {
  try {
    return proc.report?.getReport().header?.glibcVersionRuntime !== undefined;
  } catch {
    return true; // no report: assume the common case
  }
}

/** Parks loop `id` of `lib` on the shim's waiter thread (see Shim.park). */
function park(lib: Lib, id: number, timeoutMs: number, onReady: (result: number) => void): void {
  if (waker === undefined) {
    waker = new ffi!.JSCallback(onWake as (...args: never[]) => unknown, {
      args: ["i32", "i32"],
      returns: "void",
      threadsafe: true,
    });
    // A threadsafe JSCallback does not keep Bun alive: while a loop is
    // parked this timer is ref'd instead. Its period (about 24 days)
    // makes its own wake-ups irrelevant.
    keepAlive = setInterval(() => {}, 2 ** 31 - 1) as unknown as BunTimer;
    keepAlive.unref();
    armTeardownHook(lib);
  }
  if (!withWaker.has(id)) {
    const r = lib.el_loop_set_waker(id, waker.ptr);
    if (r < 0) throw new Error(`Cannot park loop ${id}: el_loop_set_waker failed (${r})`);
    withWaker.add(id);
  }
  if (parked.size === 0) keepAlive!.ref();
  parked.set(id, onReady);
  const r = lib.el_loop_park(id, timeoutMs);
  if (r < 0) {
    settle(id);
    throw new Error(`Cannot park loop ${id}: el_loop_park failed (${r})`);
  }
}

/** Drops loop `id`'s pending park (see Shim.forget). */
function forget(id: number): void {
  settle(id);
  withWaker.delete(id);
}

/** Makes the Bun binding (call only under Bun). */
export function bunBinding(): Binding {
  return {
    foreign: foreignBinding(ffi!),
    runtime: "bun",
    version: (globalThis as unknown as { Bun: { version: string } }).Bun.version,
    os: proc.platform,
    arch: proc.arch,
    libc: proc.platform !== "linux" || glibcRuntime() ? "glibc" : "musl",
    open(path: string): Shim {
      const lib = ffi!.dlopen(path, toBunTable()).symbols as Lib;
      return {
        lib,
        park: (id, timeoutMs, onReady) => park(lib, id, timeoutMs, onReady),
        forget,
      };
    },
    env: (name) => proc.env[name],
    envReadable: () => true,
    // Bun looks at once; a signal left without listeners meets SIG_DFL.
    signalSettleMs: 0,
    holdSignal: (name, listener) => holdProcessSignal(proc, isMainThread, name, listener),
  };
}
