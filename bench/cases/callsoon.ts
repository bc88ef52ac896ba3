/**
 * callSoon: N callbacks queued at once, timed until the last has run.
 * Variants: evloop `exclusive` and `hosted`, and the runtime's own
 * `microtask` (queueMicrotask) and `immediate` (setImmediate).
 * Usage: callsoon.ts VARIANT N; prints {"mcalls_per_s": ...}.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { EventLoop, type Mode } from "../../mod.ts";
import { args, emit, intArg, now } from "./_common.ts";

let count = 0;
function tick(): void {
  count++;
}

async function evloop(mode: Mode, n: number): Promise<number> {
  const loop = new EventLoop({ mode });
  count = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) loop.callSoon(tick);
  await loop.run();
  const t = now() - t0;
  loop.destroy();
  if (count !== n) throw new Error(`Ran ${count} of ${n} callbacks`);
  return t;
}

function host(queue: (cb: () => void) => void, n: number): Promise<number> {
  count = 0;
  return new Promise((resolve) => {
    const t0 = now();
    const last = () => {
      tick();
      if (count !== n) throw new Error(`Ran ${count} of ${n} callbacks`);
      resolve(now() - t0);
    };
    for (let i = 1; i < n; i++) queue(tick);
    queue(last);
  });
}

const variant = args[0];
const n = intArg(1, 1_000_000);
const run = variant === "microtask"
  ? (k: number) => host(queueMicrotask, k)
  : variant === "immediate"
  ? (k: number) => host(setImmediate, k)
  : (k: number) => evloop(variant as Mode, k);
await run(Math.max(10, Math.floor(n / 10))); // warm-up
const ms = await run(n);
emit({ mcalls_per_s: n / ms / 1000 });
