/**
 * The Deno binding: `Deno.dlopen` over the one symbol table.
 *
 * It reaches `Deno` through `globalThis` with the few types it needs, so
 * the module loads (and type-checks) under Bun too; only `binding()` runs
 * Deno code.
 *
 * @module
 */
import type { Binding, Lib, SymbolSpec } from "./symbols.ts";
import { symbols } from "./symbols.ts";

interface DenoFfiSpec {
  parameters: string[];
  result: string;
  nonblocking?: boolean;
}

interface DenoApi {
  version: { deno: string };
  build: { os: string };
  dlopen(path: string, symbols: Record<string, DenoFfiSpec>): { symbols: unknown };
  permissions: { querySync(desc: { name: "env"; variable: string }): { state: string } };
  env: { get(name: string): string | undefined };
}

function toDeno(spec: SymbolSpec): DenoFfiSpec {
  return { parameters: [...spec.parameters], result: spec.result };
}

/** Makes the Deno binding (call only under Deno). */
export function denoBinding(): Binding {
  const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  // Parking runs el_loop_block on Deno's blocking thread pool and resolves
  // a promise (which also keeps the process alive). A thread-safe callback
  // from the shim's waiter thread would not do: Deno makes the calling
  // thread wait until the JS thread ran it, so closing a loop (which joins
  // that thread) could deadlock.
  const blockers = new Map<Lib, (id: number, timeoutMs: number) => Promise<number>>();
  return {
    runtime: "deno",
    version: deno.version.deno,
    os: deno.build.os,
    open(path: string): Lib {
      const table: Record<string, DenoFfiSpec> = {};
      for (const [name, spec] of Object.entries(symbols)) table[name] = toDeno(spec);
      const lib = deno.dlopen(path, table).symbols as Lib;
      const nonblocking = deno.dlopen(path, {
        el_loop_block: { ...toDeno(symbols.el_loop_block), nonblocking: true },
      }).symbols as { el_loop_block(id: number, timeoutMs: number): Promise<number> };
      blockers.set(lib, nonblocking.el_loop_block);
      return lib;
    },
    park(lib: Lib, id: number, timeoutMs: number, onReady: (result: number) => void): void {
      blockers.get(lib)!(id, timeoutMs).then(onReady);
    },
    forget(_id: number): void {
      // The blocking call returns by itself once the loop is woken.
    },
    env(name: string): string | undefined {
      // A denied or unasked permission reads as unset: importing evloop
      // needs --allow-ffi only, and must never prompt.
      try {
        const state = deno.permissions.querySync({ name: "env", variable: name });
        return state.state === "granted" ? deno.env.get(name) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
