/**
 * Finds and opens the shim, trying in order:
 * 1. `EVLOOP_LIB`, when set (and, in Deno, readable: `--allow-env`);
 * 2. this clone's `build/libevloop.so` (`.dylib` on macOS), only when
 *    evloop runs from a `file:` URL outside `node_modules` (a clone);
 * 3. the platform package `@evloop/<platform>` (an exact-version optional
 *    dependency of the npm package `evloop`; from JSR or any other URL, the
 *    same package through an `npm:` specifier);
 * then throws one error that lists each place and why it failed.
 * Nothing is downloaded at run time and Deno needs `--allow-ffi` only.
 * Each place is looked at only when the ones before it failed, and
 * synchronously (`require`), so that this module has no top-level await
 * and Node's `require("evloop")` can load it; only evloop loaded by URL
 * imports its platform package ahead (ffi/url_package.ts).
 *
 * @module
 */
import { createRequire } from "node:module";
import { binding } from "./runtime.ts";
import {
  libraryFileName,
  type Origin,
  originOf,
  platformPackage,
  platformSpecifier,
  PREBUILT_PLATFORMS,
} from "./platform.ts";
import { ABI_VERSION, type Lib, type Shim } from "./symbols.ts";
import { urlPackage } from "./url_package.ts";
import { VERSION } from "./version.ts";

export { binding, originOf, platformPackage, platformSpecifier, PREBUILT_PLATFORMS };
export type { Origin };

/** The build command printed when the shim cannot be found in a clone. */
const BUILD_COMMAND = "npm run build";

/** One place the loader looks: a path to open, or why it was skipped. */
export interface Candidate {
  /** What the place is, for the error ("EVLOOP_LIB", "this clone's build"). */
  readonly place: string;
  /** The library path to open; undefined when the place was skipped. */
  readonly path?: string;
  /** Why there is no path. */
  readonly skipped?: string;
}

/** A clone's build output next to this module's package: build/libevloop.* */
export function cloneLibraryPath(moduleUrl: string = import.meta.url): string {
  const url = new URL(`../build/${libraryFileName()}`, moduleUrl);
  return decodeURIComponent(url.pathname);
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0];
}

/**
 * Loads a module by specifier, synchronously, and returns its exports
 * (tests pass their own).
 */
export type Requirer = (specifier: string) => unknown;

/** `require` from `moduleUrl`, or the package imported ahead by URL. */
function requirer(moduleUrl: string): Requirer {
  return (specifier) => {
    if (urlPackage !== undefined && urlPackage.specifier === specifier) {
      if (urlPackage.error !== undefined) throw urlPackage.error;
      return urlPackage.exports;
    }
    return createRequire(moduleUrl)(specifier);
  };
}

/**
 * The places to try, in order, for this process and module URL; each is
 * worked out only when the loader gets to it (a platform package is not
 * loaded when a clone's build opened).
 */
export function* candidates(
  moduleUrl: string = import.meta.url,
  load: Requirer = requirer(moduleUrl),
): Generator<Candidate> {
  const origin = originOf(moduleUrl);

  const override = binding.env("EVLOOP_LIB");
  if (override) {
    yield { place: "EVLOOP_LIB", path: override };
  } else if (!binding.envReadable("EVLOOP_LIB")) {
    yield {
      place: "EVLOOP_LIB",
      skipped: "not read: Deno needs --allow-env=EVLOOP_LIB to see it (treated as unset)",
    };
  } else {
    yield { place: "EVLOOP_LIB", skipped: "not set" };
  }

  if (origin === "clone") {
    yield { place: "this clone's build", path: cloneLibraryPath(moduleUrl) };
  } else {
    yield {
      place: "a clone's build/",
      skipped: origin === "url"
        ? `not a clone: evloop was imported from ${new URL(moduleUrl).origin}`
        : "not a clone: evloop is an installed package",
    };
  }

  const name = platformPackage();
  const label = name ? `@evloop/${name}` : "platform package";
  if (name === undefined) {
    yield {
      place: label,
      skipped: `no prebuilt library for ${binding.os}-${binding.arch}` +
        (binding.os === "linux" ? ` (${binding.libc})` : "") +
        ` (prebuilt: ${PREBUILT_PLATFORMS.join(", ")})`,
    };
    return;
  }
  const specifier = platformSpecifier(name, origin);
  let path: unknown;
  try {
    // A computed specifier: only this platform's package is loaded (the
    // others are not installed). It exports its library's path.
    path = (load(specifier) as { path?: unknown } | undefined)?.path;
    if (typeof path !== "string") throw new Error(`${specifier} exports no path`);
  } catch (error) {
    yield { place: label, skipped: `not installed (${messageOf(error)})` };
    return;
  }
  yield { place: label, path };
}

/** What to do when nothing loaded, for how evloop was loaded. */
export function advice(origin: Origin = originOf()): string {
  const name = platformPackage();
  const env = "or set EVLOOP_LIB to a libevloop you built (Deno: --allow-env=EVLOOP_LIB)";
  if (origin === "clone") {
    return `Build it with \`${BUILD_COMMAND}\` (CMake and a C compiler), ${env}`;
  }
  if (name === undefined) {
    return "Build the shim from source (clone evloop, `npm run build`: CMake and a C " +
      `compiler), then ${env.slice(3)}`;
  }
  const install = origin === "url"
    ? `Deno installs npm:@evloop/${name}@${VERSION} itself: check that the npm registry ` +
      "is reachable"
    : `Install evloop with its optional dependencies (npm install evloop, bun add evloop, ` +
      `deno add npm:evloop: @evloop/${name} comes with it; not with --omit=optional)`;
  return `${install}, ${env}`;
}

/**
 * Opens the shim at `path` and checks that it is the ABI these bindings
 * speak (a library left from another evloop version is refused, never
 * half-used).
 *
 * @throws {Error} If it cannot be opened or its ABI version differs.
 */
export function openShim(path: string): Shim {
  const shim = binding.open(path);
  const abi = shim.lib.el_abi_version();
  if (abi !== ABI_VERSION) {
    throw new Error(
      `its ABI version is ${abi}, this evloop needs ${ABI_VERSION} (a library built from ` +
        "another version of evloop: rebuild it)",
    );
  }
  return shim;
}

/**
 * Opens the first candidate that loads.
 *
 * @throws {Error} One error listing every place tried and why it failed,
 * with the last failure as `cause`, and what to do about it.
 */
export function openLibrary(
  tried: Iterable<Candidate>,
  help: string = advice(),
): { shim: Shim; path: string } {
  const failures: string[] = [];
  let lastError: unknown;
  for (const c of tried) {
    if (c.path === undefined) {
      failures.push(`  ${c.place}: ${c.skipped}`);
      continue;
    }
    try {
      return { shim: openShim(c.path), path: c.path };
    } catch (error) {
      lastError = error;
      failures.push(`  ${c.place}: ${c.path}: ${messageOf(error)}`);
    }
  }
  throw new Error(
    `Cannot load the evloop shim (${libraryFileName()}): tried\n${failures.join("\n")}\n${help}`,
    { cause: lastError },
  );
}

const opened = openLibrary(candidates());

/** The shim: its functions and the parks of its loops. */
export const shim: Shim = opened.shim;
/** The shim's functions. */
export const lib: Lib = opened.shim.lib;

const textBuffer = new Uint8Array(256);
const textDecoder = new TextDecoder();

/**
 * Reads a string the shim writes into a caller's buffer (`el_errno_name`,
 * `el_signal_name`, `el_backend_name`, ...): `fill(buf, len)` makes the
 * call and returns its result, the length written or -errno.
 *
 * @returns The text, or undefined when the call failed.
 */
export function shimString(fill: (buf: Uint8Array, len: number) => number): string | undefined {
  const n = fill(textBuffer, textBuffer.length);
  return n < 0 ? undefined : textDecoder.decode(textBuffer.subarray(0, n));
}
/** The path the shim was loaded from. */
export const libraryPath: string = opened.path;
