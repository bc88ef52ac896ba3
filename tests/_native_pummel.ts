/**
 * Loads build/libevloop_pummel.so (tests/c/pummel.c, a test helper CMake
 * builds beside the shim): native pthreads that post to a loop's inbox.
 *
 * @module
 */
import { libraryPath } from "../ffi/load.ts";
import { NativeLibrary } from "../mod.ts";

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

/** The helper, opened with evloop's own NativeLibrary (every runtime). */
export const nativePummel: NativePummel = (() => {
  const lib = NativeLibrary.open(path, {
    pummel_start: { parameters: ["buffer", "i32", "i32", "i32"], result: "i32" },
    pummel_join: { parameters: [], result: "i32" },
    pummel_elapsed_ms: { parameters: [], result: "f64" },
  });
  return {
    start: (id, t, n) => lib.symbols.pummel_start(cPath, id, t, n),
    join: () => lib.symbols.pummel_join(),
    elapsedMs: () => lib.symbols.pummel_elapsed_ms(),
  };
})();
