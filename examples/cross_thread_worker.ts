// The Worker side of examples/cross_thread.ts: posts to a loop in another
// thread by name, through the handle the loop's thread sent.
import { now, RemoteLoop, type ThreadHandle } from "../mod.ts";

type Job =
  | { kind: "throughput"; handle: ThreadHandle; index: number; count: number }
  | { kind: "latency"; handle: ThreadHandle; samples: number; gapMs: number };

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

scope.onmessage = async (e: MessageEvent) => {
  const job = e.data as Job;
  const remote = RemoteLoop.from(job.handle);
  if (job.kind === "throughput") {
    let refused = 0;
    for (let i = 0; i < job.count; i++) {
      // false: the loop's inbox is full; let it drain, then retry.
      while (!remote.callFromThread("tick", job.index, i)) {
        refused++;
        await sleep(1);
      }
    }
    scope.postMessage({ refused });
  } else {
    for (let i = 0; i < job.samples; i++) {
      // The gap lets the loop go idle (parked) before each post. The shim's
      // clock (CLOCK_MONOTONIC) is the same in every thread.
      await sleep(job.gapMs);
      remote.callFromThread("ping", now());
    }
  }
};
