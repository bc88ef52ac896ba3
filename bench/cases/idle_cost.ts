/**
 * Idle cost: CPU time the whole process uses while a running loop watches
 * one idle reader for MS milliseconds, and how many times the loop woke.
 * Variants: evloop `exclusive`, `hosted`; `host` is the runtime alone (a
 * plain setTimeout), the floor the loop adds to.
 * Usage: idle_cost.ts VARIANT MS; prints {"cpu_pct": ..., "wakeups": ...}.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { args, cpuMs, emit, intArg, now } from "./_common.ts";

const variant = args[0];
const ms = intArg(1, 2000);

async function evloop(mode: Mode): Promise<{ cpu: number; wall: number; wakeups: number }> {
  const loop = new EventLoop({ mode });
  const [a, b] = fd.socketpair();
  loop.addReader(a, () => {});
  // Count the waits that can block (park, or wait with a timeout != 0): a
  // loop that wakes periodically shows one per wake-up.
  const poller = loop._core.poller;
  const wait = poller.wait.bind(poller);
  const park = poller.park.bind(poller);
  let waits = 0;
  poller.wait = (out, timeout) => {
    if (timeout !== 0) waits++;
    return wait(out, timeout);
  };
  poller.park = (timeout, onReady) => {
    waits++;
    park(timeout, onReady);
  };
  let c0 = 0;
  let t0 = 0;
  let waits0 = 0;
  loop.callSoon(() => {
    c0 = cpuMs();
    t0 = now();
    waits0 = waits;
  });
  loop.callLater(ms, () => loop.stop());
  await loop.runForever();
  const result = { cpu: cpuMs() - c0, wall: now() - t0, wakeups: waits - waits0 - 1 };
  loop.destroy();
  fd.close(a);
  fd.close(b);
  return result;
}

async function host(): Promise<{ cpu: number; wall: number; wakeups: number }> {
  const c0 = cpuMs();
  const t0 = now();
  await new Promise((r) => setTimeout(r, ms));
  return { cpu: cpuMs() - c0, wall: now() - t0, wakeups: 0 };
}

// Let start-up work (JIT, module loading, GC) finish before measuring.
await new Promise((r) => setTimeout(r, 100));
const r = variant === "host" ? await host() : await evloop(variant as Mode);
emit({ cpu_pct: (100 * r.cpu) / r.wall, wakeups: r.wakeups });
