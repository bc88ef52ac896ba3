// Calls posted into a loop by native C threads, the way a C library calls
// back into JavaScript from threads of its own: pthreads (tests/c/pummel.c,
// built by `npm run build` next to the shim as libevloop_pummel.so) call
// the shim's `el_inbox_post(loopId, json, len)` with ["tick", thread, i];
// the loop runs the function it exposed under that name, in its own thread.
// Each thread's calls must arrive once each and in order.
//   deno run --allow-ffi examples/native_posts.ts   |   bun examples/native_posts.ts
import { EventLoop, type EventLoopOptions, info, NativeLibrary } from "../mod.ts";

/** The helper library CMake builds beside the shim (absent with a prebuilt shim only). */
export function pummelPath(): string {
  return info().library.replace(/libevloop\.(so|dylib)$/, "libevloop_pummel.$1");
}

function openPummel() {
  const symbols = {
    pummel_start: { parameters: ["cstring", "i32", "i32", "i32"], result: "i32" },
    pummel_join: { parameters: [], result: "i32" },
  } as const;
  try {
    return NativeLibrary.open(pummelPath(), symbols);
  } catch (error) {
    // Not built (a prebuilt shim only, or no build yet): say how to build it.
    throw new Error(`${(error as Error).message} (\`npm run build\` builds it)`);
  }
}

/** What a run saw. */
export interface NativePostsReport {
  threads: number;
  calls: number;
  /** From the first post to the last call run, on the loop's clock. */
  ms: number;
  /** Whether each thread's calls arrived in the order it posted them. */
  inOrder: boolean;
  /** Posts refused with EAGAIN because the inbox was full, and retried by the thread. */
  refused: number;
}

/**
 * Starts `threads` pthreads posting `perThread` calls each into a new
 * EventLoop, and runs the loop until every call has run.
 */
export async function runNativePosts(
  threads: number,
  perThread: number,
  options: { mode?: EventLoopOptions["mode"] } = {},
): Promise<NativePostsReport> {
  using pummel = openPummel();
  using loop = new EventLoop({ mode: options.mode });
  const next = new Array<number>(threads).fill(0);
  let inOrder = true;
  let calls = 0;
  loop.expose("tick", (thread: number, i: number) => {
    inOrder &&= next[thread] === i;
    next[thread] = i + 1;
    if (++calls === threads * perThread) loop.stop();
  });
  const start = loop.time();
  // The helper dlopens the shim this process already loaded (RTLD_NOLOAD).
  const started = pummel.symbols.pummel_start(
    info().library,
    loop.threadHandle().loopId,
    threads,
    perThread,
  );
  if (started < 0) throw new Error(`pummel_start failed: ${started}`);
  let refused: number;
  try {
    await loop.runForever(); // until the last call stops it
  } finally {
    refused = pummel.symbols.pummel_join();
  }
  const ms = loop.time() - start;
  if (refused < 0) throw new Error(`a native post failed: ${refused}`);
  return { threads, calls, ms, inOrder, refused };
}

if (import.meta.main) {
  const r = await runNativePosts(4, 100_000);
  console.log(
    `native posts: ${r.calls} calls from ${r.threads} pthreads in ${r.ms.toFixed(0)} ms, ` +
      `in order: ${r.inOrder}, refused and retried: ${r.refused}`,
  );
}
