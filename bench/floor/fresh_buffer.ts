/**
 * Whether the buffer a read fills costs: BYTES one way over a socketpair
 * on an exclusive loop with callbacks (as bench/cases/bulk_fd.ts), the
 * reader filling one reused 64 KiB buffer (`reused`), a new one per read
 * (`fresh`, what a reader gets that is handed a new ArrayBuffer each
 * time), or a new one per read by transfer of the last (`transfer`, what
 * a BYOB reader does).
 *
 * Usage: `deno run -A bench/floor/fresh_buffer.ts KIND [BYTES]` (or
 * `bun`); prints {"mb_per_s": ...}.
 *
 * @module
 */
import { EventLoop, fd } from "../../mod.ts";
import { args, emit, intArg, now } from "../cases/_common.ts";

const CHUNK = 65536;

async function transfer(kind: string, total: number): Promise<number> {
  using loop = new EventLoop({ mode: "exclusive" });
  const [w, r] = fd.socketpair();
  const out = new Uint8Array(CHUNK).fill(120);
  let into = new Uint8Array(CHUNK);
  let sent = 0;
  let got = 0;
  loop.addWriter(w, () => {
    while (sent < total) {
      const n = fd.write(w, total - sent >= CHUNK ? out : out.subarray(0, total - sent));
      if (n === null) return;
      sent += n;
    }
    loop.removeWriter(w);
  });
  loop.addReader(r, () => {
    for (;;) {
      if (kind === "fresh") into = new Uint8Array(CHUNK);
      else if (kind === "transfer") {
        into = new Uint8Array((into.buffer as ArrayBuffer).transfer());
      }
      const n = fd.read(r, into);
      if (n === null) break;
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

const kind = args[0] ?? "reused";
const total = intArg(1, 1 << 28);
await transfer(kind, Math.floor(total / 10));
emit({ kind, mb_per_s: await transfer(kind, total) });
