/**
 * Allocation, measured as JS heap growth between two full GCs (a warm-up
 * runs first so JIT code and caches are not counted):
 * - `pingpong` (default): over N socketpair ping-pong round trips through
 *   the loop; prints {"heap_growth_kib": ..., "us_per_rt": ...};
 * - `calllater`: the bytes each pending `callLater` holds, over N timers
 *   scheduled and not yet due (what a million pending timers cost the
 *   young-generation GC, which copies every live byte); prints
 *   {"bytes_per_timer": ...}.
 * Usage: alloc.ts MODE N [KIND] (Deno: --v8-flags=--expose-gc).
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { bounce } from "./_socketpair_pingpong.ts";
import { args, emit, gc, heapUsed, intArg, now } from "./_common.ts";
import process from "node:process";

const mode = args[0] as Mode;
const n = intArg(1, 1_000_000);
const warm = Math.min(20000, n);

if (args[2] === "calllater") {
  const loop = new EventLoop({ mode });
  const cb = () => {};
  // Warm-up, and the heap's arrays grown past N: only handlers are counted.
  for (let i = 0; i < 2 * n; i++) loop.callLater(60_000, cb).cancel();
  loop.destroy();
  const timers = new EventLoop({ mode });
  gc();
  const before = heapUsed();
  for (let i = 0; i < n; i++) timers.callLater(60_000 + (i % 997), cb);
  gc();
  const after = heapUsed();
  timers.destroy();
  emit({ bytes_per_timer: (after - before) / n });
  process.exit(0);
}

const loop = new EventLoop({ mode });
let before = 0;
let after = 0;
let t0 = 0;
let t1 = 0;
const { a, b } = bounce(loop, warm + n, (i) => {
  if (i === warm) {
    gc();
    before = heapUsed();
    t0 = now();
  } else if (i === warm + n) {
    t1 = now();
    gc();
    after = heapUsed();
  }
});
await loop.run();
loop.destroy();
fd.close(a);
fd.close(b);
emit({ heap_growth_kib: (after - before) / 1024, us_per_rt: ((t1 - t0) * 1000) / n });
