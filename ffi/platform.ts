/**
 * Where evloop was loaded from, and which prebuilt platform package holds
 * its library here: what the loader (ffi/load.ts) needs to know before it
 * looks anywhere.
 *
 * @module
 */
import { binding } from "./runtime.ts";
import { VERSION } from "./version.ts";

/** The platforms with a prebuilt package, by their package suffix. */
export const PREBUILT_PLATFORMS = [
  "linux-x64-gnu",
  "linux-arm64-gnu",
  "darwin-x64",
  "darwin-arm64",
] as const;

/** The library's file name on `os`. */
export function libraryFileName(os: string = binding.os): string {
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

/** How evloop was loaded, which decides the places and the advice. */
export type Origin = "clone" | "package" | "url";

/**
 * Where a module of evloop was loaded from (`moduleUrl`: its
 * `import.meta.url`): a clone runs the TypeScript sources; the npm package
 * is compiled JavaScript, wherever the package manager put it
 * (node_modules, Deno's cache); anything else came by URL (JSR, a web
 * server).
 */
export function originOf(moduleUrl: string = import.meta.url): Origin {
  if (!moduleUrl.startsWith("file:")) return "url";
  return moduleUrl.endsWith(".js") || /\/node_modules\//.test(moduleUrl) ? "package" : "clone";
}

/** The module specifier of a platform package, as `origin` resolves it. */
export function platformSpecifier(name: string, origin: Origin = originOf()): string {
  // From the npm package (or a clone) npm's resolution finds the optional
  // dependency; a module loaded by URL (JSR) names the npm package itself.
  return origin === "url" ? `npm:@evloop/${name}@${VERSION}` : `@evloop/${name}`;
}
