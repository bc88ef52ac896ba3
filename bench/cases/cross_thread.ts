/**
 * Cross-thread calls: 4 Workers post N calls in total to the main thread.
 * Variants: `remote` (evloop: `RemoteLoop.from(loop.threadHandle())
 * .callFromThread(name, i)` into a function `loop.expose`d on a running
 * loop) and `postmessage` (each Worker's `postMessage(i)` to an `onmessage`
 * handler on the main thread, which has no loop).
 * Usage: cross_thread.ts VARIANT N; prints {"mcalls_per_s": ...}, or
 * {"skipped": ...} while `RemoteLoop` is not exported from mod.ts.
 *
 * @module
 */
import { args, emit, intArg, now, skip } from "./_common.ts";

const WORKERS = 4;
const variant = args[0];
const n = intArg(1, 1_000_000);

interface Loop {
  expose(name: string, fn: (...args: unknown[]) => unknown): void;
  threadHandle(): unknown;
  runForever(): Promise<void>;
  stop(): void;
  destroy(): void;
}

// Loaded by a computed name: the API may not exist yet in this checkout.
const modPath = "../../mod.ts";
const mod = (await import(modPath)) as Record<string, unknown>;

function startWorkers(): Promise<Worker[]> {
  const url = new URL("./cross_thread_worker.ts", import.meta.url);
  const workers: Worker[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const w = new Worker(url.href, { type: "module" });
    ready.push(new Promise((r) => w.onmessage = () => r()));
    workers.push(w);
  }
  return Promise.all(ready).then(() => workers);
}

async function remote(): Promise<number> {
  const EventLoop = mod.EventLoop as new () => Loop;
  const workers = await startWorkers();
  const loop = new EventLoop();
  let count = 0;
  let t1 = 0;
  loop.expose("hit", () => {
    if (++count === n) {
      t1 = now();
      loop.stop();
    }
  });
  const handle = loop.threadHandle();
  const t0 = now();
  for (const w of workers) w.postMessage({ kind: "remote", handle, n: n / WORKERS });
  await loop.runForever();
  loop.destroy();
  for (const w of workers) w.terminate();
  return t1 - t0;
}

async function postmessage(): Promise<number> {
  const workers = await startWorkers();
  let count = 0;
  const done = new Promise<number>((resolve) => {
    for (const w of workers) {
      w.onmessage = () => {
        if (++count === n) resolve(now());
      };
    }
  });
  const t0 = now();
  for (const w of workers) w.postMessage({ kind: "postmessage", n: n / WORKERS });
  const t1 = await done;
  for (const w of workers) w.terminate();
  return t1 - t0;
}

if (variant === "remote" && !("RemoteLoop" in mod)) {
  skip("not available: RemoteLoop is not exported from mod.ts");
} else {
  const ms = variant === "remote" ? await remote() : await postmessage();
  emit({ mcalls_per_s: n / ms / 1000 });
}
