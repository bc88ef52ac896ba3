/**
 * The C library's own `close` and `dup2`, for tests that close or replace
 * an fd behind the loop's back, as a C library (libpq, libcurl) does with
 * its sockets.
 *
 * @module
 */
import { binding } from "../ffi/load.ts";

/** The two calls, with the C library's results (-1 on failure). */
export interface Libc {
  /** close(2), not through evloop. */
  close(fd: number): number;
  /** dup2(2): makes `to` name the file `from` names, closing `to` first. */
  dup2(from: number, to: number): number;
}

const path = binding.os === "darwin" ? "/usr/lib/libSystem.B.dylib" : "libc.so.6";

interface DenoFfi {
  dlopen(path: string, symbols: Record<string, unknown>): {
    symbols: {
      close(fd: number): number;
      dup2(from: number, to: number): number;
    };
  };
}

async function open(): Promise<Libc> {
  if ("Deno" in globalThis) {
    // Reached through globalThis: tsc checks this file with Bun's types.
    const deno = (globalThis as unknown as { Deno: DenoFfi }).Deno;
    const lib = deno.dlopen(path, {
      close: { parameters: ["i32"], result: "i32" },
      dup2: { parameters: ["i32", "i32"], result: "i32" },
    });
    return { close: (fd) => lib.symbols.close(fd), dup2: (a, b) => lib.symbols.dup2(a, b) };
  }
  const ffiModule = "bun:ffi";
  const ffi = await import(ffiModule);
  const lib = ffi.dlopen(path, {
    close: { args: ["i32"], returns: "i32" },
    dup2: { args: ["i32", "i32"], returns: "i32" },
  });
  return {
    close: (fd) => lib.symbols.close(fd) as number,
    dup2: (a, b) => lib.symbols.dup2(a, b) as number,
  };
}

/** The C library, opened once. */
export const libc: Libc = await open();
