/**
 * The Deno binding: `Deno.dlopen` over the one symbol table.
 *
 * @module
 */
import { type Binding, type Lib, symbols, type Waker } from "./symbols.ts";

/** Deno spells every ABI type as the table does. */
function toDeno(): Deno.ForeignLibraryInterface {
  const out: Record<string, Deno.ForeignFunction> = {};
  for (const [name, spec] of Object.entries(symbols)) {
    out[name] = {
      parameters: [...spec.parameters] as Deno.NativeType[],
      result: spec.result as Deno.NativeResultType,
    };
  }
  return out;
}

function env(name: string): string | undefined {
  // A denied or unasked permission reads as unset: importing evloop needs
  // --allow-ffi only, and must never prompt.
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: name });
    return state.state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

/** The Deno binding. */
export const binding: Binding = {
  runtime: "deno",
  version: Deno.version.deno,
  os: Deno.build.os,
  open(path: string): Lib {
    return Deno.dlopen(path, toDeno()).symbols as unknown as Lib;
  },
  createWaker(fn: (loopId: number) => void): Waker {
    const cb = Deno.UnsafeCallback.threadSafe(
      { parameters: ["i32"], result: "void" } as const,
      fn,
    );
    // Thread-safe callbacks start referenced; a loop refs it while parked.
    cb.unref();
    return {
      pointer: cb.pointer,
      ref: () => void cb.ref(),
      unref: () => void cb.unref(),
    };
  },
  env,
};
