/**
 * Allocation: JS heap growth over N socketpair ping-pong round trips
 * through the loop, measured after a full GC before and after (a warm-up
 * runs first so JIT code and caches are not counted).
 * Usage: alloc.ts MODE N (Deno: --v8-flags=--expose-gc);
 * prints {"heap_growth_kib": ..., "us_per_rt": ...}.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { bounce } from "./_socketpair_pingpong.ts";
import { args, emit, gc, heapUsed, intArg, now } from "./_common.ts";

const mode = args[0] as Mode;
const n = intArg(1, 1_000_000);
const warm = Math.min(20000, n);

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
