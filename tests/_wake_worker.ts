/**
 * A Worker for backend_test.ts: says "ready", then calls `el_loop_wake` on
 * the loop id it is sent as fast as it can until the shared flag says stop,
 * and posts how many calls it made.
 *
 * @module
 */
import { lib } from "../ffi/load.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (e: MessageEvent) => {
  const { id, shared } = e.data as { id: number; shared: SharedArrayBuffer };
  const flags = new Int32Array(shared);
  let calls = 0;
  while (Atomics.load(flags, 0) === 0) {
    lib.el_loop_wake(id);
    calls++;
  }
  scope.postMessage(calls);
};
// Told only now: Bun drops messages that arrive while a worker's modules
// still evaluate (ffi/load.ts awaits at top level).
scope.postMessage("ready");
