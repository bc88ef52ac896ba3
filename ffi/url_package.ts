/**
 * The platform package of evloop loaded by URL (from JSR, in Deno), which
 * is imported ahead: the only place evloop awaits at the top level.
 *
 * Loaded by URL, evloop finds its library in the npm package
 * `npm:@evloop/<platform>@<version>`, which only an `import()` brings
 * (Deno fetches it then), and an import is asynchronous. Everywhere else
 * (a clone, the npm package in node_modules or Deno's cache) the loader
 * finds the package synchronously with `require`, so that Node's
 * `require("evloop")` works: Node refuses to `require` a module graph with
 * a top-level await. The npm package is therefore shipped with this file
 * reduced to `export const urlPackage = undefined` (scripts/package.mjs):
 * it is never loaded by URL.
 *
 * @module
 */
import { originOf, platformPackage, platformSpecifier } from "./platform.ts";

/** What importing the platform package gave: its exports, or the error. */
export interface UrlPackage {
  /** The specifier imported (`npm:@evloop/<platform>@<version>`). */
  readonly specifier: string;
  /** The package's exports, when the import succeeded. */
  readonly exports?: unknown;
  /** Why the import failed. */
  readonly error?: unknown;
}

async function importAhead(): Promise<UrlPackage | undefined> {
  const name = platformPackage();
  if (originOf(import.meta.url) !== "url" || name === undefined) return undefined;
  const specifier = platformSpecifier(name, "url");
  try {
    // Computed on purpose: only this platform's package is fetched.
    return { specifier, exports: await import(specifier) };
  } catch (error) {
    return { specifier, error };
  }
}

/** The platform package imported ahead; undefined unless loaded by URL. */
export const urlPackage: UrlPackage | undefined = await importAhead();
