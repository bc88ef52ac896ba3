/**
 * Await vs callback ping-pong: one byte back and forth over a socketpair,
 * both ends in this process, through `await loop.readable(fd)` or through
 * `addReader` callbacks, on the same loop and mode.
 * Usage: await_pingpong.ts MODE STYLE ROUND_TRIPS (STYLE: await | callback);
 * prints {"us_per_rt": ..., "cpu_us_per_rt": ...} (CPU time of the whole
 * process per round trip: steadier than wall time on a loaded machine).
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { args, cpuMs, emit, intArg, now } from "./_common.ts";
import { bounce } from "./_socketpair_pingpong.ts";

async function callbacks(mode: Mode, n: number): Promise<number> {
  const loop = new EventLoop({ mode });
  const t0 = now();
  const { a, b } = bounce(loop, n);
  await loop.run();
  const t1 = now();
  loop.destroy();
  fd.close(a);
  fd.close(b);
  return ((t1 - t0) * 1000) / n;
}

async function awaits(mode: Mode, n: number): Promise<number> {
  const loop = new EventLoop({ mode });
  const [a, b] = fd.socketpair();
  const running = loop.run();
  const t0 = now();
  const echo = (async () => {
    const buf = new Uint8Array(1);
    for (let i = 0; i < n; i++) {
      await loop.readable(b);
      if (fd.read(b, buf)) fd.write(b, buf);
    }
  })();
  const buf = new Uint8Array(1);
  for (let i = 0; i < n; i++) {
    fd.write(a, buf);
    await loop.readable(a);
    fd.read(a, buf);
  }
  const t1 = now();
  await echo;
  await running;
  loop.destroy();
  fd.close(a);
  fd.close(b);
  return ((t1 - t0) * 1000) / n;
}

const mode = args[0] as Mode;
const run = args[1] === "await" ? awaits : callbacks;
const n = intArg(2, 20000);
await run(mode, Math.max(10, Math.floor(n / 10))); // warm-up: JIT, caches
const cpu0 = cpuMs();
const usPerRt = await run(mode, n);
emit({ us_per_rt: usPerRt, cpu_us_per_rt: ((cpuMs() - cpu0) * 1000) / n });
