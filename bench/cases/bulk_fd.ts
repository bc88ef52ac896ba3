/**
 * Bulk bytes through the loop's callbacks: BYTES one way over an AF_UNIX
 * socketpair or a pipe, both ends on one loop, with 64 KiB reads and
 * writes: a writer callback writes until the fd is full, a reader
 * callback reads until it is empty (what bench/c/bulk.c does with
 * epoll_wait). Variants: MODE `exclusive` or `hosted`, KIND `socketpair`
 * or `pipe`.
 * Usage: bulk_fd.ts MODE KIND BYTES; prints {"mb_per_s": ...}.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { args, emit, intArg, now } from "./_common.ts";

const CHUNK = 65536;

async function transfer(mode: Mode, kind: string, total: number): Promise<number> {
  using loop = new EventLoop({ mode });
  const [r, w] = kind === "pipe" ? fd.pipe() : fd.socketpair();
  const out = new Uint8Array(CHUNK).fill(120);
  const into = new Uint8Array(CHUNK);
  let sent = 0;
  let got = 0;
  loop.addWriter(w, () => {
    while (sent < total) {
      const left = total - sent;
      const n = fd.write(w, left >= CHUNK ? out : out.subarray(0, left));
      if (n === null) return;
      sent += n;
    }
    loop.removeWriter(w);
  });
  loop.addReader(r, () => {
    for (let n = fd.read(r, into); n !== null; n = fd.read(r, into)) {
      got += n;
      if (n === 0 || got >= total) break;
    }
    if (got >= total) loop.removeReader(r);
  });
  const t0 = now();
  await loop.run();
  const t1 = now();
  fd.close(r);
  fd.close(w);
  if (got !== total) throw new Error(`received ${got} of ${total} bytes`);
  return total / (1 << 20) / ((t1 - t0) / 1000);
}

const mode = args[0] as Mode;
const kind = args[1];
const total = intArg(2, 1 << 30);
await transfer(mode, kind, Math.max(CHUNK, Math.floor(total / 10))); // warm-up: JIT, caches
emit({ mb_per_s: await transfer(mode, kind, total) });
