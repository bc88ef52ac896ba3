/**
 * A Worker that opens a loop, waits, and is terminated without
 * destroy()/close() (tests/worker_teardown_test.ts). Sent
 * `{ variant, timerMs }`, it makes a pipe, watches its read end, sets a
 * timer `timerMs` ahead, and once its loop runs answers `{ r, w }` (the
 * pipe, which the test writes to and closes after the Worker is gone).
 *
 * Variants: "hosted" and "exclusive" EventLoops, "ioloop" (a hosted
 * IOLoop with a timeout and a handler), "signal" (a hosted EventLoop that
 * also listens to SIGUSR2).
 *
 * @module
 */
import { EventLoop, fd, IOLoop } from "../../mod.ts";

/** What the test sends. */
export interface DoomedJob {
  variant: "hosted" | "exclusive" | "ioloop" | "signal";
  timerMs: number;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<DoomedJob>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  const { variant, timerMs } = event.data;
  const [r, w] = fd.pipe();
  // Reached only by a Worker not yet terminated: the test terminates each
  // one as soon as it answers.
  const onRead = () => fd.read(r, new Uint8Array(16));
  // Answered from a callback, so the loop runs; it waits right after.
  const answer = () => scope.postMessage({ r, w });
  if (variant === "ioloop") {
    const loop = new IOLoop();
    loop.addHandler(r, IOLoop.READ, onRead);
    loop.addTimeout(Date.now() + timerMs, () => {});
    loop.addCallback(answer);
    loop.start();
    return;
  }
  const loop = new EventLoop({ mode: variant === "exclusive" ? "exclusive" : "hosted" });
  loop.addReader(r, onRead);
  loop.callLater(timerMs, () => {});
  if (variant === "signal") loop.addSignalHandler("SIGUSR2", () => {});
  loop.callSoon(answer);
  loop.runForever();
};
scope.postMessage({ loaded: true });
