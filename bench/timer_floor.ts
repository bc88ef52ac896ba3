/**
 * The floors under the timer, callSoon and libcurl cases, per runtime: what
 * one shim call costs (el_now_ms, the clock read every callLater makes), a
 * NativeLibrary call and a NativeCallback, and what a fresh process pays
 * to allocate and keep a million small objects (a pending timer or a
 * queued callback is one such object at least). Not a case of the suite:
 * run it by hand, `deno run -A --v8-flags=--expose-gc bench/timer_floor.ts`
 * or `bun bench/timer_floor.ts`; prints one line per figure.
 *
 * @module
 */
import { NativeCallback, NativeLibrary } from "../mod.ts";
import { lib } from "../ffi/load.ts";
import { cpuMs } from "./cases/_common.ts";

const N = 1_000_000;

/** ns per call of `f`, the best of 3 rounds of `n` calls. */
function perCall(n: number, f: () => void): number {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    best = Math.min(best, ((performance.now() - t0) * 1e6) / n);
  }
  return best;
}

// First: a fresh heap, as in the cancel and callSoon cases' measured round.
class Five {
  constructor(
    public a: unknown,
    public b: unknown,
    public c: unknown,
    public when: number,
    public seq: number,
  ) {}
}
const keep: Five[] = new Array(N);
const c0 = cpuMs();
const t0 = performance.now();
for (let i = 0; i < N; i++) keep[i] = new Five(null, null, null, i + 0.5, i);
const retainMs = performance.now() - t0;
const retainCpu = cpuMs() - c0;
keep.length = 0;

let sink = 0;
const libc = NativeLibrary.open("libc.so.6", {
  abs: { parameters: ["i32"], result: "i32" },
  qsort: { parameters: ["buffer", "usize", "usize", "function"], result: "void" },
});
const line = (what: string, value: number, unit: string) =>
  console.log(`${what.padEnd(58)} ${value.toFixed(1).padStart(8)} ${unit}`);

line(
  "shim call el_now_ms() (FFI + clock_gettime)",
  perCall(N, () => sink += lib.el_now_ms()),
  "ns",
);
line("performance.now()", perCall(N, () => sink += performance.now()), "ns");
line("NativeLibrary call abs()", perCall(N, () => sink += libc.symbols.abs(-3)), "ns");
const zero = new NativeCallback({ parameters: ["pointer", "pointer"], result: "i32" }, () => 0);
const values = new Int32Array(100_000);
let calls = 0;
const counting = new NativeCallback(
  { parameters: ["pointer", "pointer"], result: "i32" },
  () => (calls++, 0),
);
const t1 = performance.now();
libc.symbols.qsort(values, values.length, 4, counting);
line("NativeCallback from C (qsort comparator)", ((performance.now() - t1) * 1e6) / calls, "ns");
line("1,000,000 objects of 5 fields kept, fresh heap: wall", retainMs, "ms");
line("1,000,000 objects of 5 fields kept, fresh heap: CPU (all threads)", retainCpu, "ms");
zero.close();
counting.close();
libc.close();
if (sink === 0.5) console.log(sink);
