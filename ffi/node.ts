/**
 * The Node binding: `node:ffi` (Node ≥ 26.1) over the one symbol table.
 *
 * `node:ffi` is reached through `process.getBuiltinModule`, which Deno and
 * Bun have too (answering undefined), so this module loads anywhere and
 * nothing imports `node:ffi` statically: Deno and Bun would refuse the
 * import, and so would a Node without the module. Node ≥ 26.9 has it by
 * default; 26.1 to 26.8 need `--experimental-ffi`.
 *
 * @module
 */
import { type Binding, type Lib, type Shim, symbols } from "./symbols.ts";
import {
  type ForeignBinding,
  type Pointer,
  type RawCall,
  type RawType,
  toBigInt,
  toNumber,
} from "./foreign.ts";
import { forget, park } from "./node_park.ts";
import { isMainThread } from "node:worker_threads";
import { holdProcessSignal } from "./process_signal.ts";

/** A node:ffi signature: its keys are `arguments` and `return` (Deno's
 * `parameters` and `result` are ignored without a word: a function of no
 * arguments). */
interface NodeSignature {
  arguments: string[];
  return: string;
}

interface NodeLibrary {
  getFunction(name: string, signature: NodeSignature): RawCall;
  registerCallback(signature: NodeSignature, fn: RawCall): bigint;
  unregisterCallback(pointer: bigint): void;
  close(): void;
}

interface NodeFfi {
  DynamicLibrary: new (path: string | null) => NodeLibrary;
  getRawPointer(view: ArrayBufferView): bigint;
  toString(pointer: bigint): string | null;
  toArrayBuffer(pointer: bigint, length: number, copy?: boolean): ArrayBuffer;
}

interface NodeProcess {
  versions: { node: string };
  platform: string;
  arch: string;
  env: Record<string, string | undefined>;
  execArgv: string[];
  getBuiltinModule?(id: string): unknown;
  emitWarning(warning: unknown, ...rest: unknown[]): void;
  on(event: string, listener: () => void): void;
  off(event: string, listener: () => void): void;
  report?: { getReport(): { header?: { glibcVersionRuntime?: string } } };
}

const proc = (globalThis as unknown as { process: NodeProcess }).process;

/** node:ffi, or undefined where this Node has none (or it is off). */
function loadFfi(): NodeFfi | undefined {
  // Every first load prints "ExperimentalWarning: FFI is an experimental
  // feature": evloop's users did not ask for node:ffi, evloop did.
  const emit = proc.emitWarning;
  proc.emitWarning = (warning: unknown, ...rest: unknown[]) => {
    const text = String((warning as { message?: unknown })?.message ?? warning);
    if (!/^FFI is an experimental/.test(text)) emit.call(proc, warning, ...rest);
  };
  try {
    return proc.getBuiltinModule?.("node:ffi") as NodeFfi | undefined;
  } finally {
    proc.emitWarning = emit;
  }
}

/** The one error for a Node without node:ffi: what is needed, and how. */
export function ffiUnavailable(
  version: string = proc.versions.node,
  execArgv: readonly string[] = proc.execArgv,
): Error {
  const [major, minor] = version.split(".").map(Number);
  const atLeast = (m: number, n: number) => major > m || (major === m && minor >= n);
  const why = !atLeast(26, 1)
    ? `Node ${version} has no node:ffi (it needs Node ≥ 26.1, started with --experimental-ffi ` +
      "before 26.9)"
    : execArgv.includes("--no-experimental-ffi")
    ? "node:ffi is not enabled (node was started with --no-experimental-ffi: drop it)"
    : !atLeast(26, 9)
    ? "node:ffi is not enabled (start node with --experimental-ffi, Node ≥ 26.1)"
    : `node:ffi is not available in this build of Node ${version} (built without libffi)`;
  return new Error(`Cannot load evloop: ${why}`);
}

/** node:ffi's name for each type (a `bool` is a byte: node:ffi's `bool`
 * takes 0 and 1 only, never true and false). */
const nodeTypes: Record<RawType, string> = {
  i8: "i8",
  u8: "u8",
  i16: "i16",
  u16: "u16",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  u64: "u64",
  isize: "i64",
  usize: "u64",
  f32: "f32",
  f64: "f64",
  bool: "u8",
  pointer: "pointer",
  buffer: "buffer",
  function: "pointer",
  void: "void",
};

function signature(parameters: readonly RawType[], result: RawType): NodeSignature {
  return { arguments: parameters.map((t) => nodeTypes[t]), return: nodeTypes[result] };
}

/** JavaScript to C, for the types whose values node:ffi spells otherwise. */
function toC(type: RawType): ((value: unknown) => unknown) | undefined {
  if (type === "bool") return (value) => value ? 1 : 0;
  if (type === "pointer" || type === "function") return (value) => value ?? null;
  return undefined;
}

/** C to JavaScript: one shape per type, as the other bindings give. */
function fromC(type: RawType): ((value: unknown) => unknown) | undefined {
  if (type === "i64" || type === "u64") return toBigInt;
  if (type === "isize" || type === "usize") return toNumber;
  if (type === "bool") return (value) => value !== 0;
  if (type === "pointer" || type === "function") return (value) => value === 0n ? null : value;
  return undefined;
}

/** `call` with its arguments and result translated where the types need it. */
function translated(call: RawCall, parameters: readonly RawType[], result: RawType): RawCall {
  const ins = parameters.map(toC);
  const out = fromC(result);
  if (ins.every((f) => f === undefined)) {
    return out === undefined ? call : (...args) => out(call(...args));
  }
  return (...args) => {
    const r = call(...args.map((a, i) => ins[i] === undefined ? a : ins[i]!(a)));
    return out === undefined ? r : out(r);
  };
}

/** A 64-bit integer as a bigint (a safe integer number too), else 0n. */
function big(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  return Number.isSafeInteger(value) ? BigInt(value as number) : 0n;
}

/**
 * What C gets back from a callback, as node:ffi takes it: node:ffi aborts
 * the process on a value it cannot convert (undefined for an i32, a
 * number for a u64, 2 ** 32 for an i32 included). Each value is brought
 * into its type's range the way C would convert it, anything else is 0.
 */
function callbackResult(type: RawType): (value: unknown) => unknown {
  const num = (value: unknown) => typeof value === "number" && Number.isFinite(value) ? value : 0;
  switch (type) {
    case "void":
      return () => undefined;
    case "bool":
      return (value) => value ? 1 : 0;
    case "i8":
      return (value) => (num(value) << 24) >> 24;
    case "u8":
      return (value) => num(value) & 0xff;
    case "i16":
      return (value) => (num(value) << 16) >> 16;
    case "u16":
      return (value) => num(value) & 0xffff;
    case "i32":
      return (value) => num(value) | 0;
    case "u32":
      return (value) => num(value) >>> 0;
    case "i64":
    case "isize":
      return (value) => BigInt.asIntN(64, big(value));
    case "u64":
    case "usize":
    case "pointer":
    case "function":
      return (value) => BigInt.asUintN(64, big(value));
    default: // f32, f64
      return num;
  }
}

function foreignBinding(ffi: NodeFfi): ForeignBinding {
  return {
    open(path, functions) {
      // A DynamicLibrary resolves each symbol with one signature: entries
      // that share a symbol (a variadic function declared once per
      // argument type) each get a library of their own.
      const libraries: { library: NodeLibrary; used: Map<string, string> }[] = [];
      const calls: Record<string, RawCall> = {};
      try {
        for (const [key, f] of Object.entries(functions)) {
          const sig = signature(f.parameters, f.result);
          const text = JSON.stringify(sig);
          let slot = libraries.find((l) => (l.used.get(f.name) ?? text) === text);
          if (slot === undefined) {
            let library;
            try {
              library = new ffi.DynamicLibrary(path);
            } catch (error) {
              throw openError(error);
            }
            slot = { library, used: new Map() };
            libraries.push(slot);
          }
          slot.used.set(f.name, text);
          calls[key] = translated(slot.library.getFunction(f.name, sig), f.parameters, f.result);
        }
        // A table with no function still opens the library (and fails as
        // the other runtimes do when it cannot be opened).
        if (libraries.length === 0) {
          try {
            libraries.push({ library: new ffi.DynamicLibrary(path), used: new Map() });
          } catch (error) {
            throw openError(error);
          }
        }
      } catch (error) {
        for (const l of libraries) l.library.close();
        throw error;
      }
      return { functions: calls, close: () => libraries.forEach((l) => l.library.close()) };
    },
    callback(sig, fn) {
      // Synchronous only: node:ffi aborts the process when a callback is
      // called from another thread, throws, or returns a promise (the
      // neutral layer catches what the function throws).
      const holder = new ffi.DynamicLibrary(null);
      const ins = sig.parameters.map(fromC);
      const out = callbackResult(sig.result);
      const pointer = holder.registerCallback(
        signature(sig.parameters, sig.result),
        (...args: unknown[]) =>
          out(fn(...args.map((a, i) => ins[i] === undefined ? a : ins[i]!(a)))),
      );
      return {
        pointer: pointer as unknown as Pointer,
        close() {
          holder.unregisterCallback(pointer);
          holder.close();
        },
      };
    },
    pointerOf(buffer) {
      const address = ffi.getRawPointer(buffer);
      return address === 0n ? null : address as unknown as Pointer;
    },
    value: (pointer) => (pointer ?? 0n) as unknown as bigint,
    fromValue: (address) => address === 0n ? null : address as unknown as Pointer,
    copyInto(pointer, offset, into) {
      const at = (pointer as unknown as bigint) + BigInt(offset);
      into.set(new Uint8Array(ffi.toArrayBuffer(at, into.length)));
    },
    cString: (pointer, offset) =>
      ffi.toString((pointer as unknown as bigint) + BigInt(offset)) ?? "",
  };
}

/** Whether this Linux process runs on glibc (Node's report says so). */
function glibcRuntime(): boolean {
  try {
    return proc.report?.getReport().header?.glibcVersionRuntime !== undefined;
  } catch {
    return true; // no report: assume the common case
  }
}

/** An error of node:ffi's dlopen, without its "dlopen failed: " prefix:
 * the system's own words (dlerror), as the other bindings give them. */
function openError(error: unknown): Error {
  const message = String((error as Error)?.message ?? error);
  return new Error(message.replace(/^dlopen failed: /, ""), { cause: error });
}

/** Makes the Node binding (call only under Node). */
export function nodeBinding(): Binding {
  const ffi = loadFfi();
  if (ffi === undefined) throw ffiUnavailable();
  return {
    foreign: foreignBinding(ffi),
    runtime: "node",
    version: proc.versions.node,
    os: proc.platform,
    arch: proc.arch,
    libc: proc.platform !== "linux" || glibcRuntime() ? "glibc" : "musl",
    open(path: string): Shim {
      let library;
      try {
        library = new ffi.DynamicLibrary(path);
      } catch (error) {
        throw openError(error);
      }
      const table: Record<string, RawCall> = {};
      for (const [name, spec] of Object.entries(symbols)) {
        table[name] = library.getFunction(name, signature(spec.parameters, spec.result));
      }
      const lib = table as unknown as Lib;
      return {
        lib,
        park: (id, timeoutMs, onReady) => park(lib, path, id, timeoutMs, onReady),
        forget: (id) => forget(lib, id),
      };
    },
    env: (name) => proc.env[name],
    envReadable: () => true,
    // libuv's handler only writes to a pipe; a listener removed before
    // Node read it sees nothing, and nothing is raised again.
    signalSettleMs: 0,
    // Node's handler for a signal is libuv's; at startup Node also has
    // one-shot handlers of its own for SIGINT and SIGTERM (they restore the
    // terminal and raise the signal again), which the hold replaces.
    holdSignal: (name, listener) => holdProcessSignal(proc, isMainThread, name, listener),
  };
}
