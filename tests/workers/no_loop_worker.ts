// Runs in a Worker: reports what EventLoop.current() does without a loop,
// then that an explicit loop works there.
import { EventLoop } from "../../mod.ts";

const self = globalThis as unknown as { postMessage(data: unknown): void };
let error = "";
try {
  EventLoop.current();
} catch (e) {
  error = e instanceof Error ? e.message : String(e);
}
const loop = new EventLoop();
let ran = false;
loop.callLater(1, () => ran = true);
await loop.run();
loop.destroy();
self.postMessage({ error, ran });
