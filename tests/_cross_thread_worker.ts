/**
 * The Worker side of tests/cross_thread_test.ts: receives a thread handle
 * and a scenario, posts to the loop, and reports back.
 *
 * @module
 */
import { RemoteLoop, type ThreadHandle } from "../mod.ts";

/** What the test sends. */
export type Job =
  | { scenario: "stop-after"; handle: ThreadHandle; delayMs: number }
  | { scenario: "pummel"; handle: ThreadHandle; index: number; count: number }
  | { scenario: "post-once"; handle: ThreadHandle; name: string; args: unknown[] }
  | { scenario: "ping"; handle: ThreadHandle };

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

/** Full inbox: give the loop's thread a turn, then retry. */
const backoff = () => new Promise((resolve) => setTimeout(resolve, 1));

async function pummel(remote: RemoteLoop, index: number, count: number): Promise<number> {
  let refused = 0;
  for (let i = 0; i < count; i++) {
    while (!remote.callFromThread("tick", index, i)) {
      refused++;
      await backoff();
    }
  }
  return refused;
}

scope.onmessage = async (e: MessageEvent) => {
  const job = e.data as Job;
  try {
    const remote = RemoteLoop.from(job.handle);
    switch (job.scenario) {
      case "stop-after":
        await new Promise((resolve) => setTimeout(resolve, job.delayMs));
        scope.postMessage({ ok: remote.callFromThread("stop") });
        break;
      case "pummel":
        scope.postMessage({ ok: true, refused: await pummel(remote, job.index, job.count) });
        break;
      case "post-once":
        scope.postMessage({ ok: remote.callFromThread(job.name, ...job.args) });
        break;
      case "ping":
        // Wake latency: the loop answers each ping with a message back.
        scope.postMessage({ ok: remote.callFromThread("ping", performance.timeOrigin) });
        break;
    }
  } catch (error) {
    scope.postMessage({
      ok: false,
      name: (error as Error).name,
      error: (error as Error).message,
    });
  }
};
scope.postMessage({ ready: true });
