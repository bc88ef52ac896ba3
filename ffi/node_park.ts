/**
 * The hosted wait on Node: libuv's own loop waits for evloop's.
 *
 * node:ffi runs no call on another thread and aborts the process when any
 * other thread calls a callback, so neither Deno's `nonblocking` call nor
 * Bun's waiter thread can park a loop here. Instead `el_node_park` starts a
 * uv_poll handle on this thread's uv loop (the one `getCurrentEventLoop()`
 * names) over the loop's poller fd, which turns readable when a wait would
 * return: an fd event, a wake, a signal, an inbox post or the park's
 * timer. libuv then calls the waker on this thread, in Node's callback
 * scope (csrc/node.c says why it is called through N-API, and why the
 * handle lives in C).
 *
 * The N-API side needs the library loaded as an addon too: the first park
 * of each thread loads it with `process.dlopen()` (the same file, mapped
 * once) and hands over the waker. Only hosted mode needs it: a program run
 * with `--no-addons`, or `--permission` without `--allow-addons`, gets one
 * error saying so, and exclusive mode still works there.
 *
 * @module
 */
import type { Lib } from "./symbols.ts";

interface NodeProcess {
  dlopen(module: { exports: Record<string, unknown> }, path: string): void;
}

/** What the library exports when loaded as an addon (csrc/node.c). */
interface Addon {
  init(waker: (id: number, result: number) => void): void;
}

/** This thread's pending parks, by loop id. */
const parked = new Map<number, (result: number) => void>();
let initialised = false;

function waker(id: number, result: number): void {
  const onReady = parked.get(id);
  if (onReady === undefined) return; // forgotten since the park began
  parked.delete(id);
  onReady(result);
}

/** Loads `path` as this thread's addon and gives it the waker (once). */
function init(path: string): void {
  if (initialised) return;
  const module = { exports: {} as Record<string, unknown> };
  try {
    (globalThis as unknown as { process: NodeProcess }).process.dlopen(module, path);
  } catch (error) {
    throw new Error(
      "Cannot park the loop: hosted mode on Node loads evloop's library as an addon " +
        "(allow addons: no --no-addons, and --allow-addons with --permission), " +
        'or use { mode: "exclusive" }',
      { cause: error },
    );
  }
  const addon = module.exports as unknown as Partial<Addon>;
  if (typeof addon.init !== "function") {
    throw new Error(`Cannot park the loop: ${path} is not evloop's Node addon (no init)`);
  }
  addon.init(waker);
  initialised = true;
}

/** Parks loop `id` of the library at `path` on this thread's uv loop. */
export function park(
  lib: Lib,
  path: string,
  id: number,
  timeoutMs: number,
  onReady: (result: number) => void,
): void {
  init(path);
  parked.set(id, onReady);
  const r = lib.el_node_park(id, timeoutMs);
  if (r < 0) {
    parked.delete(id);
    throw new Error(`Cannot park loop ${id}: el_node_park failed (${r})`);
  }
}

/** Drops loop `id`'s pending park and closes its watch (the loop closes). */
export function forget(lib: Lib, id: number): void {
  parked.delete(id);
  if (initialised) lib.el_node_detach(id);
}
