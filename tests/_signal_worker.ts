/**
 * A Worker for tests/signals_test.ts: says "loaded" (Bun drops messages
 * sent before a Worker's module finished loading), then makes its own
 * EventLoop in the mode it is sent, listens to SIGUSR1, says "ready", and
 * reports the arrival from its own thread's handler.
 *
 * @module
 */
import { EventLoop, type Mode } from "../mod.ts";

interface Scope {
  onmessage: ((event: MessageEvent<{ mode: Mode }>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}
const scope = globalThis as unknown as Scope;

scope.onmessage = async (event) => {
  const mode = event.data.mode;
  const loop = new EventLoop({ mode });
  loop.addSignalHandler("SIGUSR1", () => {
    scope.postMessage({ got: "SIGUSR1", mode });
    loop.stop();
  });
  scope.postMessage({ ready: true, mode });
  await loop.runForever();
  loop.destroy();
  scope.postMessage({ done: true, mode });
  scope.close();
};
scope.postMessage({ loaded: true });
