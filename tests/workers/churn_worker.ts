/**
 * A Worker for tests/loop_race_test.ts: opens an EventLoop (in the mode
 * it is sent), watches a pipe, runs until the byte arrives, destroys the
 * loop, `rounds` times, while other Workers do the same; then reports
 * { done, errors }.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<{ mode: Mode; rounds: number }>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event) => {
  const { mode, rounds } = event.data;
  const errors: string[] = [];
  const [r, w] = fd.pipe();
  for (let i = 0; i < rounds && errors.length < 5; i++) {
    try {
      const loop = new EventLoop({ mode });
      loop.addReader(r, () => {
        fd.read(r, new Uint8Array(1));
        loop.removeReader(r);
      });
      loop.callSoon(() => fd.write(w, new Uint8Array(1)));
      await loop.run();
      loop.destroy();
    } catch (error) {
      errors.push(String(error));
    }
  }
  fd.close(r);
  fd.close(w);
  scope.postMessage({ done: true, errors });
};
scope.postMessage({ loaded: true });
