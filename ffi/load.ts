/**
 * Finds and opens the shim: `EVLOOP_LIB` if set, then `build/libevloop.so`
 * (`.dylib` on macOS) next to the package; else one error that lists every
 * path tried, the cause, and the command that builds it.
 *
 * @module
 */
import { bunBinding } from "./bun.ts";
import { denoBinding } from "./deno.ts";
import type { Binding, Lib } from "./symbols.ts";

// Both bindings are imported statically (a computed dynamic import would
// need --allow-read in Deno); only the running runtime's one is made.
/** The runtime binding in use. */
export const binding: Binding = "Deno" in globalThis ? denoBinding() : bunBinding();

/** The build command printed when the shim cannot be found. */
export const BUILD_COMMAND = "npm run build";

/** Where the packaged library lives (next to this package). */
export function defaultLibraryPath(): string {
  const suffix = binding.os === "darwin" ? "dylib" : "so";
  const url = new URL(`../build/libevloop.${suffix}`, import.meta.url);
  return decodeURIComponent(url.pathname);
}

/** The paths tried, in order: `EVLOOP_LIB` if set, then the default. */
export function candidatePaths(): string[] {
  const override = binding.env("EVLOOP_LIB");
  return override ? [override, defaultLibraryPath()] : [defaultLibraryPath()];
}

/**
 * Opens the first library of `candidates` that loads.
 *
 * @throws {Error} One error listing every path tried and why it failed,
 * with the last failure as `cause` and the command that builds the shim.
 */
export function openLibrary(candidates: string[]): { lib: Lib; path: string } {
  const failures: string[] = [];
  let lastError: unknown;
  for (const path of candidates) {
    try {
      return { lib: binding.open(path), path };
    } catch (error) {
      lastError = error;
      const message = error instanceof Error ? error.message : String(error);
      failures.push(`  ${path}: ${message}`);
    }
  }
  throw new Error(
    `Cannot load the evloop shim: tried\n${failures.join("\n")}\n` +
      `Build it with \`${BUILD_COMMAND}\` (CMake and a C compiler), ` +
      `or set EVLOOP_LIB to its path`,
    { cause: lastError },
  );
}

const opened = openLibrary(candidatePaths());

/** The shim's functions. */
export const lib: Lib = opened.lib;
/** The path the shim was loaded from. */
export const libraryPath: string = opened.path;
