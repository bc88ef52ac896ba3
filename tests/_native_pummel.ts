/**
 * Loads build/libevloop_pummel.so (tests/c/pummel.c, a test helper CMake
 * builds beside the shim): native pthreads that post to a loop's inbox.
 *
 * @module
 */
import { libraryPath } from "../ffi/load.ts";

/** The helper's functions. */
export interface NativePummel {
  /** Starts `threads` pthreads posting `perThread` ["tick", t, i] each. */
  start(loopId: number, threads: number, perThread: number): number;
  /** Joins them: refused-and-retried posts, or -errno. */
  join(): number;
  /** Milliseconds from start to the last accepted post. */
  elapsedMs(): number;
}

const path = libraryPath.replace(/libevloop\.(so|dylib)$/, "libevloop_pummel.$1");
const cPath = new TextEncoder().encode(`${libraryPath}\0`);

interface DenoFfi {
  dlopen(path: string, symbols: Record<string, unknown>): {
    symbols: {
      pummel_start(lib: Uint8Array, id: number, threads: number, n: number): number;
      pummel_join(): number;
      pummel_elapsed_ms(): number;
    };
  };
}

async function open(): Promise<NativePummel> {
  if ("Deno" in globalThis) {
    // Reached through globalThis: tsc checks this file with Bun's types.
    const deno = (globalThis as unknown as { Deno: DenoFfi }).Deno;
    const lib = deno.dlopen(path, {
      pummel_start: { parameters: ["buffer", "i32", "i32", "i32"], result: "i32" },
      pummel_join: { parameters: [], result: "i32" },
      pummel_elapsed_ms: { parameters: [], result: "f64" },
    });
    return {
      start: (id, t, n) => lib.symbols.pummel_start(cPath, id, t, n),
      join: () => lib.symbols.pummel_join(),
      elapsedMs: () => lib.symbols.pummel_elapsed_ms(),
    };
  }
  const ffiModule = "bun:ffi";
  const ffi = await import(ffiModule);
  const lib = ffi.dlopen(path, {
    pummel_start: { args: ["ptr", "i32", "i32", "i32"], returns: "i32" },
    pummel_join: { args: [], returns: "i32" },
    pummel_elapsed_ms: { args: [], returns: "f64" },
  });
  return {
    start: (id, t, n) => lib.symbols.pummel_start(cPath, id, t, n),
    join: () => lib.symbols.pummel_join(),
    elapsedMs: () => lib.symbols.pummel_elapsed_ms(),
  };
}

/** The helper, opened once. */
export const nativePummel: NativePummel = await open();
