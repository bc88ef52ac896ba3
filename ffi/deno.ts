/**
 * The Deno binding: `Deno.dlopen` over the one symbol table.
 *
 * @module
 */
import { type Binding, type Lib, symbols } from "./symbols.ts";

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

// Parking runs el_loop_block on Deno's blocking thread pool and resolves a
// promise (which also keeps the process alive). A thread-safe callback
// from the shim's waiter thread would not do: Deno makes the calling
// thread wait until the JS thread ran it, so closing a loop (which joins
// that thread) could deadlock.
const blockers = new Map<Lib, (id: number, timeoutMs: number) => Promise<number>>();

/** The Deno binding. */
export const binding: Binding = {
  runtime: "deno",
  version: Deno.version.deno,
  os: Deno.build.os,
  open(path: string): Lib {
    const lib = Deno.dlopen(path, toDeno()).symbols as unknown as Lib;
    const nonblocking = Deno.dlopen(
      path,
      {
        el_loop_block: { parameters: ["i32", "f64"], result: "i32", nonblocking: true },
      } as const,
    );
    blockers.set(lib, nonblocking.symbols.el_loop_block);
    return lib;
  },
  park(lib: Lib, id: number, timeoutMs: number, onReady: () => void): void {
    blockers.get(lib)!(id, timeoutMs).then(onReady);
  },
  forget(_id: number): void {
    // The blocking call returns by itself once the loop is woken.
  },
  env,
};
