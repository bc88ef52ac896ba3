/**
 * A Worker for tests/worker_teardown_test.ts: a hosted EventLoop that
 * answers once it runs and whose timer fires `delayMs` later, so that for
 * some delays it fires while the terminated Worker is being torn down
 * (after the runtime freed the Worker's callbacks, before its thread ends).
 *
 * @module
 */
import { EventLoop } from "../../mod.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<{ delayMs: number }>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  const loop = new EventLoop();
  loop.callSoon(() => {
    scope.postMessage({ waiting: true });
    loop.callLater(event.data.delayMs, () => {});
  });
  loop.runForever();
};
scope.postMessage({ loaded: true });
