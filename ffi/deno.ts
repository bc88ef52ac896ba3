/**
 * The Deno binding: `Deno.dlopen` over the one symbol table.
 *
 * It reaches `Deno` through `globalThis` with the few types it needs, so
 * the module loads (and type-checks) under Bun too; only `binding()` runs
 * Deno code.
 *
 * @module
 */
import type { Binding, Lib, Shim, SymbolSpec } from "./symbols.ts";
import { symbols } from "./symbols.ts";
import {
  type ForeignBinding,
  type Pointer,
  type RawCall,
  type RawType,
  toBigInt,
  toNumber,
} from "./foreign.ts";

interface DenoFfiSpec {
  name?: string;
  parameters: string[];
  result: string;
  nonblocking?: boolean;
}

interface DenoPointerApi {
  of(buffer: ArrayBufferView): Pointer | null;
  value(pointer: Pointer | null): number | bigint;
  create(address: bigint): Pointer | null;
}

interface DenoPointerViewApi {
  getCString(pointer: Pointer, offset?: number): string;
  copyInto(pointer: Pointer, into: Uint8Array, offset?: number): void;
}

interface DenoCallback {
  pointer: Pointer;
  close(): void;
}

interface DenoApi {
  version: { deno: string };
  build: { os: string; arch: string; target: string };
  dlopen(
    path: string,
    symbols: Record<string, DenoFfiSpec>,
  ): { symbols: unknown; close(): void };
  UnsafePointer: DenoPointerApi;
  UnsafePointerView: DenoPointerViewApi;
  UnsafeCallback: new (
    def: { parameters: string[]; result: string },
    fn: RawCall,
  ) => DenoCallback;
  permissions: { querySync(desc: { name: "env"; variable: string }): { state: string } };
  env: { get(name: string): string | undefined };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
}

function toDeno(spec: SymbolSpec): DenoFfiSpec {
  return { parameters: [...spec.parameters], result: spec.result };
}

/** Deno hands 64-bit integers back as number or bigint: one shape each. */
function normaliser(type: RawType): ((value: unknown) => unknown) | undefined {
  if (type === "i64" || type === "u64") return toBigInt;
  if (type === "isize" || type === "usize") return toNumber;
  return undefined;
}

/** Wraps `call` so its 64-bit result comes back in one shape. */
function normalised(call: RawCall, result: RawType): RawCall {
  const fix = normaliser(result);
  return fix === undefined ? call : (...args) => fix(call(...args));
}

function foreignBinding(deno: DenoApi): ForeignBinding {
  return {
    open(path, functions) {
      const table: Record<string, DenoFfiSpec> = {};
      for (const [key, f] of Object.entries(functions)) {
        table[key] = { name: f.name, parameters: [...f.parameters], result: f.result };
      }
      let library;
      try {
        library = deno.dlopen(path, table);
      } catch (error) {
        // Deno says "Could not open library: " twice before dlerror's text.
        throw new Error(
          String((error as Error)?.message ?? error).replace(/^(Could not open library: )+/, ""),
          {
            cause: error,
          },
        );
      }
      const raw = library.symbols as Record<string, RawCall>;
      const calls: Record<string, RawCall> = {};
      for (const [key, f] of Object.entries(functions)) {
        calls[key] = normalised(raw[key], f.result);
      }
      return { functions: calls, close: () => library.close() };
    },
    callback(signature, fn) {
      const fixes = signature.parameters.map(normaliser);
      // Fixed in place: a new array per call (map) cost each callback an
      // allocation (curl's write callback runs several times per transfer).
      const fixed = fixes.flatMap((f, i) => f === undefined ? [] : [i]);
      const wrapped: RawCall = fixed.length === 0 ? fn : (...args) => {
        for (const i of fixed) args[i] = fixes[i]!(args[i]);
        return fn(...args);
      };
      const callback = new deno.UnsafeCallback(
        { parameters: [...signature.parameters], result: signature.result },
        wrapped,
      );
      return { pointer: callback.pointer, close: () => callback.close() };
    },
    pointerOf: (buffer) => deno.UnsafePointer.of(buffer),
    value: (pointer) => BigInt(deno.UnsafePointer.value(pointer)),
    fromValue: (address) => deno.UnsafePointer.create(address),
    copyInto: (pointer, offset, into) => deno.UnsafePointerView.copyInto(pointer, into, offset),
    cString: (pointer, offset) => deno.UnsafePointerView.getCString(pointer, offset),
  };
}

/** Makes the Deno binding (call only under Deno). */
export function denoBinding(): Binding {
  const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  // Parking runs el_loop_block on Deno's blocking thread pool and resolves
  // a promise (which also keeps the process alive). A thread-safe callback
  // from the shim's waiter thread would not do: Deno makes the calling
  // thread wait until the JS thread ran it, so closing a loop (which joins
  // that thread) could deadlock.
  return {
    foreign: foreignBinding(deno),
    runtime: "deno",
    version: deno.version.deno,
    os: deno.build.os,
    // Named as Node and Bun name them (process.arch), as npm's "cpu" field.
    arch: ({ x86_64: "x64", aarch64: "arm64" } as Record<string, string>)[deno.build.arch] ??
      deno.build.arch,
    libc: deno.build.target.endsWith("-musl") ? "musl" : "glibc",
    open(path: string): Shim {
      const table: Record<string, DenoFfiSpec> = {};
      for (const [name, spec] of Object.entries(symbols)) table[name] = toDeno(spec);
      const lib = deno.dlopen(path, table).symbols as Lib;
      const nonblocking = deno.dlopen(path, {
        el_loop_block: { ...toDeno(symbols.el_loop_block), nonblocking: true },
      }).symbols as { el_loop_block(id: number, timeoutMs: number): Promise<number> };
      return {
        lib,
        park(id: number, timeoutMs: number, onReady: (result: number) => void): void {
          nonblocking.el_loop_block(id, timeoutMs).then(onReady);
        },
        forget(_id: number): void {
          // The blocking call returns by itself once the loop is woken.
        },
      };
    },
    env(name: string): string | undefined {
      // A denied or unasked permission reads as unset: importing evloop
      // needs --allow-ffi only, and must never prompt.
      return this.envReadable(name) ? deno.env.get(name) : undefined;
    },
    envReadable(name: string): boolean {
      try {
        return deno.permissions.querySync({ name: "env", variable: name }).state === "granted";
      } catch {
        return false;
      }
    },
    // Deno's signal thread looks for listeners a moment after an arrival
    // (microseconds, milliseconds on a loaded machine; 200 ms is ample).
    signalSettleMs: 200,
    holdSignal(name: string, listener: () => void): (() => void) | undefined {
      // Deno installs its handler for SIGHUP, SIGINT, SIGTERM and SIGUSR1
      // lazily (about 0.5 s after start, over whatever is there) and, when
      // no listener of its own is registered, restores the default action
      // and raises the signal again. With a listener its handler goes in
      // now, under evloop's, and lets the signal be.
      try {
        deno.addSignalListener(name, listener);
      } catch {
        return undefined; // a name Deno's API does not take (SIGRTMIN+3)
      }
      return () => deno.removeSignalListener(name, listener);
    },
  };
}
