// Rough latency figures: one idle->wake cycle in hosted mode (a host timer
// writes to a pipe while the loop is parked; time until the reader runs),
// and one socketpair ping-pong round trip in exclusive mode.
//   deno run --allow-ffi examples/latency.ts    bun examples/latency.ts
import { EventLoop, fd } from "../mod.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function idleWake(samples: number): Promise<number[]> {
  const loop = new EventLoop({ mode: "hosted" });
  const [r, w] = fd.pipe();
  const out: number[] = [];
  let sentAt = 0;
  const buf = new Uint8Array(8);
  const sendLater = () =>
    setTimeout(() => (sentAt = performance.now(), fd.write(w, buf.subarray(0, 1))), 2);
  loop.addReader(r, () => {
    fd.read(r, buf);
    out.push((performance.now() - sentAt) * 1000);
    if (out.length === samples) loop.removeReader(r);
    else sendLater();
  });
  sendLater();
  await loop.run();
  loop.destroy();
  fd.close(r);
  fd.close(w);
  return out;
}

async function pingPong(rounds: number): Promise<number> {
  const loop = new EventLoop({ mode: "exclusive" });
  const [a, b] = fd.socketpair();
  const one = new Uint8Array(1);
  let n = 0;
  loop.addReader(b, () => {
    if (fd.read(b, one) === 1) fd.write(b, one);
  });
  loop.addReader(a, () => {
    if (fd.read(a, one) !== 1) return;
    if (++n === rounds) {
      loop.removeReader(a);
      loop.removeReader(b);
    } else fd.write(a, one);
  });
  const start = performance.now();
  fd.write(a, one);
  await loop.run();
  const us = (performance.now() - start) * 1000 / rounds;
  loop.destroy();
  fd.close(a);
  fd.close(b);
  return us;
}

const runtime = "Deno" in globalThis ? "deno" : "bun";
const wakes = await idleWake(200);
await pingPong(10_000); // warm-up
const rt = await pingPong(100_000);
console.log(
  `${runtime}: hosted idle->wake median ${median(wakes).toFixed(1)} us ` +
    `(p90 ${[...wakes].sort((x, y) => x - y)[Math.floor(wakes.length * 0.9)].toFixed(1)} us); ` +
    `exclusive socketpair ping-pong ${rt.toFixed(2)} us per round trip`,
);
