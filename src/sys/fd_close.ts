/**
 * Who hears of `fd.close()`: the loops of this thread forget their watches
 * of a closed fd (and wake, if they wait) through a listener registered
 * here, so that this layer knows nothing of loops.
 *
 * @module
 */

const listeners = new Set<(fd: number) => void>();

/**
 * Calls `listener(fd)` after each `fd.close(fd)` in this thread (the shim
 * already removed the fd from every loop's poller); returns its removal.
 *
 * @example
 * ```ts
 * import { onFdClosed } from "./fd_close.ts";
 * import { fd } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const closed: number[] = [];
 * const off = onFdClosed((n) => closed.push(n));
 * const [r, w] = fd.pipe();
 * fd.close(r);
 * off();
 * fd.close(w);
 * assertEquals(closed, [r]);
 * ```
 */
export function onFdClosed(listener: (fd: number) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells the listeners that `fd` was closed. */
export function fdClosed(fd: number): void {
  for (const listener of listeners) listener(fd);
}
