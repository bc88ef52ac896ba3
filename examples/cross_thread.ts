// Cross-thread calls, measured: posts per second from 4 Workers into one
// loop, and the wake latency of a post from a Worker while the loop is
// parked idle (post -> the exposed function runs), in both modes.
//   deno run -A examples/cross_thread.ts    bun examples/cross_thread.ts
import { EventLoop } from "../mod.ts";
import { lib } from "../ffi/load.ts";
import type { Mode } from "../src/drivers.ts";

const WORKER = new URL("./cross_thread_worker.ts", import.meta.url).href;
const runtime = "Deno" in globalThis ? "deno" : "bun";

function spawn(n: number): Worker[] {
  return Array.from({ length: n }, () => new Worker(WORKER, { type: "module" }));
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function throughput(workers: number, count: number): Promise<void> {
  const loop = new EventLoop();
  const next = new Array<number>(workers).fill(0);
  let received = 0;
  let ordered = true;
  loop.expose("tick", (w: number, i: number) => {
    ordered &&= next[w] === i;
    next[w] = i + 1;
    if (++received === workers * count) loop.stop();
  });
  const pool = spawn(workers);
  const refused = pool.map((w) =>
    new Promise<number>((r) => w.onmessage = (e) => r(e.data.refused))
  );
  const handle = loop.threadHandle();
  const start = performance.now();
  pool.forEach((w, index) => w.postMessage({ kind: "throughput", handle, index, count }));
  await loop.runForever();
  const ms = performance.now() - start;
  const retries = (await Promise.all(refused)).reduce((a, b) => a + b, 0);
  pool.forEach((w) => w.terminate());
  loop.destroy();
  console.log(
    `${runtime}: ${workers} Workers x ${count} posts: ${ms.toFixed(0)} ms, ` +
      `${Math.round((workers * count) / (ms / 1000))} calls/s, in order: ${ordered}, ` +
      `refused and retried: ${retries}`,
  );
}

async function latency(mode: Mode, samples: number): Promise<void> {
  const loop = new EventLoop({ mode });
  const us: number[] = [];
  loop.expose("ping", (sentAt: number) => {
    us.push((lib.el_now_ms() - sentAt) * 1000);
    if (us.length === samples) loop.stop();
  });
  const [worker] = spawn(1);
  worker.postMessage({ kind: "latency", handle: loop.threadHandle(), samples, gapMs: 3 });
  await loop.runForever();
  worker.terminate();
  loop.destroy();
  console.log(
    `${runtime}: idle wake latency (${mode}, ${samples} posts from a Worker): ` +
      `median ${percentile(us, 0.5).toFixed(0)} us, p90 ${percentile(us, 0.9).toFixed(0)} us, ` +
      `p99 ${percentile(us, 0.99).toFixed(0)} us`,
  );
}

await throughput(4, 100_000);
await latency("hosted", 300);
await latency("exclusive", 300);
