/**
 * Which thread this is. Deno's `node:worker_threads` reports true for
 * `isMainThread` inside Workers and Bun has no `WorkerGlobalScope`, so
 * both are consulted.
 *
 * @module
 */
import { isMainThread as nodeMain } from "node:worker_threads";

/** Whether this code runs on the main thread (not in a Worker). */
export const isMainThread: boolean = nodeMain &&
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope ===
    "undefined";
