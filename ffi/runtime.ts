/**
 * The binding of the runtime that runs: Deno, Bun or Node (≥ 26.1, with
 * node:ffi). Bun and Deno both define `process.versions.node`, so they are
 * told apart first, by their own globals.
 *
 * All three bindings are imported statically (a computed dynamic import of
 * a local file would need --allow-read in Deno, and an import is
 * asynchronous); only the running runtime's one is made.
 *
 * @module
 */
import { bunBinding } from "./bun.ts";
import { denoBinding } from "./deno.ts";
import { nodeBinding } from "./node.ts";
import type { Binding } from "./symbols.ts";

/** The runtime binding in use. */
export const binding: Binding = "Deno" in globalThis
  ? denoBinding()
  : "Bun" in globalThis
  ? bunBinding()
  : nodeBinding();
