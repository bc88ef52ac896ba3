// Cross-thread calls, measured: posts per second from 4 Workers into one
// loop, and the wake latency of a post from a Worker while the loop is
// parked idle (post -> the exposed function runs), in both modes.
//   deno run -A examples/cross_thread.ts    bun examples/cross_thread.ts
import { EventLoop, type Mode, now } from "../mod.ts";

const WORKER = new URL("./cross_thread_worker.ts", import.meta.url).href;
const runtime = "Deno" in globalThis ? "deno" : "bun";

function spawn(n: number): Worker[] {
  return Array.from({ length: n }, () => new Worker(WORKER, { type: "module" }));
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

/** What a throughput run saw. */
export interface ThroughputReport {
  workers: number;
  calls: number;
  ms: number;
  /** Whether each Worker's calls arrived in the order it posted them. */
  inOrder: boolean;
  /** Posts refused because the inbox was full, and retried. */
  refused: number;
}

/** `workers` Workers post `count` calls each into one loop. */
export async function throughput(
  workers: number,
  count: number,
  mode: Mode = "hosted",
): Promise<ThroughputReport> {
  const loop = new EventLoop({ mode });
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
  return { workers, calls: received, ms, inOrder: ordered, refused: retries };
}

/** Wake latencies of a parked loop, in microseconds. */
export interface LatencyReport {
  mode: Mode;
  samples: number;
  medianUs: number;
  p90Us: number;
  p99Us: number;
}

/** `samples` posts from one Worker, each after the loop went idle. */
export async function latency(mode: Mode, samples: number): Promise<LatencyReport> {
  const loop = new EventLoop({ mode });
  const us: number[] = [];
  loop.expose("ping", (sentAt: number) => {
    us.push((now() - sentAt) * 1000);
    if (us.length === samples) loop.stop();
  });
  const [worker] = spawn(1);
  worker.postMessage({ kind: "latency", handle: loop.threadHandle(), samples, gapMs: 3 });
  await loop.runForever();
  worker.terminate();
  loop.destroy();
  return {
    mode,
    samples,
    medianUs: percentile(us, 0.5),
    p90Us: percentile(us, 0.9),
    p99Us: percentile(us, 0.99),
  };
}

if (import.meta.main) {
  const t = await throughput(4, 100_000);
  console.log(
    `${runtime}: ${t.workers} Workers x ${t.calls / t.workers} posts: ${t.ms.toFixed(0)} ms, ` +
      `${Math.round(t.calls / (t.ms / 1000))} calls/s, in order: ${t.inOrder}, ` +
      `refused and retried: ${t.refused}`,
  );
  for (const mode of ["hosted", "exclusive"] as const) {
    const l = await latency(mode, 300);
    console.log(
      `${runtime}: idle wake latency (${mode}, ${l.samples} posts from a Worker): ` +
        `median ${l.medianUs.toFixed(0)} us, p90 ${l.p90Us.toFixed(0)} us, ` +
        `p99 ${l.p99Us.toFixed(0)} us`,
    );
  }
}
