/**
 * The Worker side of the cross-thread case: says it is ready, then posts
 * the calls it is told to, through `RemoteLoop` or `postMessage`.
 *
 * @module
 */

interface Remote {
  callFromThread(name: string, ...args: unknown[]): boolean;
}
interface RemoteLoopClass {
  from(handle: unknown): Remote;
}

const scope = globalThis as unknown as {
  postMessage(m: unknown): void;
  onmessage: ((e: { data: { kind: string; n: number; handle?: unknown } }) => void) | null;
};

const modPath = "../../mod.ts";

scope.onmessage = async (e) => {
  const { kind, n, handle } = e.data;
  if (kind === "postmessage") {
    for (let i = 0; i < n; i++) scope.postMessage(i);
    return;
  }
  const { RemoteLoop } = (await import(modPath)) as { RemoteLoop: RemoteLoopClass };
  const remote = RemoteLoop.from(handle);
  for (let i = 0; i < n; i++) {
    // A full inbox refuses the post: try again (nothing may be dropped).
    while (!remote.callFromThread("hit", i)) await Promise.resolve();
  }
};
scope.postMessage("ready");
