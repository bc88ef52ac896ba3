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
 *
 * @module
 */
import { bunBinding } from "./bun.ts";
import { denoBinding } from "./deno.ts";
import { ABI_VERSION, type Binding, type Lib, type Shim } from "./symbols.ts";
import { VERSION } from "./version.ts";

// Both bindings are imported statically (a computed dynamic import of a
// local file would need --allow-read in Deno); only the running runtime's
// one is made.
/** The runtime binding in use. */
export const binding: Binding = "Deno" in globalThis ? denoBinding() : bunBinding();

/** The build command printed when the shim cannot be found in a clone. */
const BUILD_COMMAND = "npm run build";

/** The platforms with a prebuilt package, by their package suffix. */
export const PREBUILT_PLATFORMS = [
  "linux-x64-gnu",
  "linux-arm64-gnu",
  "darwin-x64",
  "darwin-arm64",
] as const;

/** The library's file name on `os`. */
function libraryFileName(os: string = binding.os): string {
  return os === "darwin" ? "libevloop.dylib" : "libevloop.so";
}

/**
 * The platform package suffix for an OS, CPU and C library
 * ("linux-x64-gnu"), or undefined when evloop has no prebuilt library for it.
 */
export function platformPackage(
  os: string = binding.os,
  arch: string = binding.arch,
  libc: string = binding.libc,
): string | undefined {
  const suffix = os === "linux" ? (libc === "glibc" ? "-gnu" : `-${libc}`) : "";
  const name = `${os}-${arch}${suffix}`;
  return (PREBUILT_PLATFORMS as readonly string[]).includes(name) ? name : undefined;
}

/** One place the loader looks: a path to open, or why it was skipped. */
export interface Candidate {
  /** What the place is, for the error ("EVLOOP_LIB", "this clone's build"). */
  readonly place: string;
  /** The library path to open; undefined when the place was skipped. */
  readonly path?: string;
  /** Why there is no path. */
  readonly skipped?: string;
}

/** How evloop was loaded, which decides the places and the advice. */
export type Origin = "clone" | "package" | "url";

/**
 * Where this module was loaded from (`moduleUrl`: its `import.meta.url`):
 * a clone runs the TypeScript sources; the npm package is compiled
 * JavaScript, wherever the package manager put it (node_modules, Deno's
 * cache); anything else came by URL (JSR, a web server).
 */
export function originOf(moduleUrl: string = import.meta.url): Origin {
  if (!moduleUrl.startsWith("file:")) return "url";
  return moduleUrl.endsWith(".js") || /\/node_modules\//.test(moduleUrl) ? "package" : "clone";
}

/** A clone's build output next to this module's package: build/libevloop.* */
export function cloneLibraryPath(moduleUrl: string = import.meta.url): string {
  const url = new URL(`../build/${libraryFileName()}`, moduleUrl);
  return decodeURIComponent(url.pathname);
}

/** The module specifier of a platform package, as `origin` resolves it. */
export function platformSpecifier(name: string, origin: Origin = originOf()): string {
  // From the npm package (or a clone) npm's resolution finds the optional
  // dependency; a module loaded by URL (JSR) names the npm package itself.
  return origin === "url" ? `npm:@evloop/${name}@${VERSION}` : `@evloop/${name}`;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0];
}

/** Imports a module by specifier (tests pass their own). */
export type Importer = (specifier: string) => Promise<unknown>;

/** The places to try, in order, for this process and module URL. */
export async function candidates(
  moduleUrl: string = import.meta.url,
  // Computed on purpose (only this platform's package exists); resolvable
  // at run time without an import map: a package name or an npm: URL.
  importer: Importer = (specifier) => import(specifier),
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const origin = originOf(moduleUrl);

  const override = binding.env("EVLOOP_LIB");
  if (override) {
    out.push({ place: "EVLOOP_LIB", path: override });
  } else if (!binding.envReadable("EVLOOP_LIB")) {
    out.push({
      place: "EVLOOP_LIB",
      skipped: "not read: Deno needs --allow-env=EVLOOP_LIB to see it (treated as unset)",
    });
  } else {
    out.push({ place: "EVLOOP_LIB", skipped: "not set" });
  }

  if (origin === "clone") {
    out.push({ place: "this clone's build", path: cloneLibraryPath(moduleUrl) });
  } else {
    out.push({
      place: "a clone's build/",
      skipped: origin === "url"
        ? `not a clone: evloop was imported from ${new URL(moduleUrl).origin}`
        : "not a clone: evloop is an installed package",
    });
  }

  const name = platformPackage();
  const label = name ? `@evloop/${name}` : "platform package";
  if (name === undefined) {
    out.push({
      place: label,
      skipped: `no prebuilt library for ${binding.os}-${binding.arch}` +
        (binding.os === "linux" ? ` (${binding.libc})` : "") +
        ` (prebuilt: ${PREBUILT_PLATFORMS.join(", ")})`,
    });
  } else {
    const specifier = platformSpecifier(name, origin);
    try {
      // A computed specifier: only this platform's package is imported
      // (the others are not installed). It exports its library's path.
      const mod = await importer(specifier) as { path?: unknown };
      if (typeof mod.path !== "string") throw new Error(`${specifier} exports no path`);
      out.push({ place: label, path: mod.path });
    } catch (error) {
      out.push({ place: label, skipped: `not installed (${messageOf(error)})` });
    }
  }
  return out;
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
  tried: readonly Candidate[],
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

const opened = openLibrary(await candidates());

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
