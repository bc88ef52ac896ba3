/**
 * Which side of `streams()` costs what: BYTES one way over a socketpair
 * on an exclusive loop, with `streams()` on one side only and the loop's
 * callbacks on the other (as bench/cases/bulk_fd.ts), or on both (as
 * bench/cases/streams_bulk.ts). SIDE: `both`, `reader` (streams() reads,
 * a callback writes) or `writer` (streams() writes, a callback reads).
 *
 * Usage: `deno run -A bench/floor/streams_sides.ts SIDE [BYTES]` (or
 * `bun`); prints {"mb_per_s": ...}.
 *
 * @module
 */
import { EventLoop, fd } from "../../mod.ts";
import { args, emit, intArg, now } from "../cases/_common.ts";

const CHUNK = 65536;

async function transfer(side: string, total: number): Promise<number> {
  using loop = new EventLoop({ mode: "exclusive" });
  const [a, b] = fd.socketpair();
  const out = new Uint8Array(CHUNK).fill(120);
  const into = new Uint8Array(CHUNK);
  let got = 0;
  const jobs: Promise<unknown>[] = [];
  const t0 = now();
  if (side === "reader") {
    let sent = 0;
    loop.addWriter(a, () => {
      while (sent < total) {
        const n = fd.write(a, total - sent >= CHUNK ? out : out.subarray(0, total - sent));
        if (n === null) return;
        sent += n;
      }
      loop.removeWriter(a);
      fd.shutdown(a, "write");
    });
  } else {
    const s = loop.streams(a);
    jobs.push((async () => {
      const writer = s.writable.getWriter();
      for (let sent = 0; sent < total; sent += CHUNK) {
        await writer.write(total - sent >= CHUNK ? out : out.subarray(0, total - sent));
      }
      await writer.close();
      await s.readable.cancel();
    })());
  }
  if (side === "writer") {
    loop.addReader(b, () => {
      for (let n = fd.read(b, into); n !== null; n = fd.read(b, into)) {
        got += n;
        if (n === 0) break;
      }
      if (got >= total) loop.removeReader(b);
    });
  } else {
    const s = loop.streams(b);
    jobs.push((async () => {
      const reader = s.readable.getReader({ mode: "byob" });
      let buf = new Uint8Array(CHUNK);
      for (;;) {
        const { value, done } = await reader.read(buf);
        if (done) break;
        got += value!.length;
        buf = new Uint8Array(value!.buffer);
      }
      await s.writable.close();
    })());
  }
  await Promise.all([loop.run(), ...jobs]);
  const t1 = now();
  fd.close(a);
  fd.close(b);
  if (got !== total) throw new Error(`received ${got} of ${total} bytes`);
  return total / (1 << 20) / ((t1 - t0) / 1000);
}

const side = args[0] ?? "both";
const total = intArg(1, 1 << 28);
await transfer(side, Math.floor(total / 10));
emit({ side, mb_per_s: await transfer(side, total) });
