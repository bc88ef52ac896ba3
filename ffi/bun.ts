/**
 * The Bun binding: `bun:ffi` over the one symbol table.
 *
 * `bun:ffi` is imported by a computed name so that Deno's type checker,
 * which has no Bun types, never follows it.
 *
 * @module
 */
import { type Binding, type Lib, type NativeType, symbols, type Waker } from "./symbols.ts";

interface BunFfi {
  dlopen(
    path: string,
    defs: Record<string, { args: string[]; returns: string }>,
  ): { symbols: unknown };
  JSCallback: new (
    fn: (...args: never[]) => unknown,
    def: { args: string[]; returns: string; threadsafe: boolean },
  ) => { ptr: unknown };
}

const ffiModule = "bun:ffi";
const ffi = (await import(ffiModule)) as BunFfi;

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

interface BunTimer {
  ref(): void;
  unref(): void;
}

const proc = (globalThis as unknown as {
  process: { env: Record<string, string | undefined>; platform: string };
}).process;
const bunVersion = (globalThis as unknown as { Bun: { version: string } }).Bun.version;

/** The Bun binding. */
export const binding: Binding = {
  runtime: "bun",
  version: bunVersion,
  os: proc.platform,
  open(path: string): Lib {
    return ffi.dlopen(path, toBunTable()).symbols as Lib;
  },
  createWaker(fn: (loopId: number) => void): Waker {
    const cb = new ffi.JSCallback(fn as (...args: never[]) => unknown, {
      args: ["i32"],
      returns: "void",
      threadsafe: true,
    });
    // A threadsafe JSCallback does not keep Bun alive: while a loop is
    // parked an unref'd-by-default timer is ref'd instead. Its period
    // (about 24 days) makes its own wake-ups irrelevant.
    const keepAlive = setInterval(() => {}, 2 ** 31 - 1) as unknown as BunTimer;
    keepAlive.unref();
    let refs = 0;
    return {
      pointer: cb.ptr,
      ref: () => {
        if (refs++ === 0) keepAlive.ref();
      },
      unref: () => {
        if (--refs === 0) keepAlive.unref();
      },
    };
  },
  env: (name) => proc.env[name],
};
