/**
 * The floor under `streams()`: what the runtime's Web Streams cost per
 * 64 KiB chunk with no fd at all, for the two patterns of the bulk case
 * (bench/cases/streams_bulk.ts): a BYOB reader that hands its buffer back
 * each read, over a byte stream whose pull fills the view at once; and a
 * writer that awaits each `write()` of one reused chunk, into a sink that
 * takes it at once. Both skip the kernel: what is left is the streams'
 * own promises, views and queue bookkeeping, which `streams()` pays on
 * top of the read(2) and write(2) C makes. `byob_read_filled_us` also
 * writes every byte of each view (as read(2) would), against
 * `fill_only_us`, the same fill of one reused buffer.
 *
 * Usage: `deno run -A bench/floor/web_streams.ts [CHUNKS]`,
 * `bun bench/floor/web_streams.ts [CHUNKS]`,
 * `node bench/floor/web_streams.ts [CHUNKS]`; prints one JSON line of µs
 * per chunk.
 *
 * @module
 */
import { emit, intArg, now, runtime } from "../cases/_common.ts";

const CHUNK = 65536;
const chunks = intArg(0, 200_000);

/**
 * µs per BYOB read of a 64 KiB chunk; with `touch`, the pull writes every
 * byte of the view first, as read(2) does (on fresh memory, its pages
 * fault in): a BYOB read hands the reader a new ArrayBuffer each time.
 */
async function byobRead(n: number, touch = false): Promise<number> {
  let left = n;
  const readable = new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest!;
      if (left-- === 0) {
        controller.close();
        request.respond(0);
        return;
      }
      const view = request.view as Uint8Array;
      if (touch) view.fill(120);
      request.respond(view.byteLength);
    },
  }, { highWaterMark: 0 });
  const reader = readable.getReader({ mode: "byob" });
  let buf = new Uint8Array(CHUNK);
  const t0 = now();
  for (;;) {
    const { value, done } = await reader.read(buf);
    if (done) break;
    buf = new Uint8Array(value!.buffer);
  }
  return ((now() - t0) * 1000) / n;
}

async function write(n: number): Promise<number> {
  const writable = new WritableStream<Uint8Array>({ write() {} }, {
    highWaterMark: CHUNK,
    size: (c) => c?.byteLength ?? 0,
  });
  const writer = writable.getWriter();
  const chunk = new Uint8Array(CHUNK);
  const t0 = now();
  for (let i = 0; i < n; i++) await writer.write(chunk);
  await writer.close();
  return ((now() - t0) * 1000) / n;
}

/** µs to fill one reused 64 KiB buffer: what the copy alone costs. */
function fillOnly(n: number): number {
  const buf = new Uint8Array(CHUNK);
  const t0 = now();
  for (let i = 0; i < n; i++) buf.fill(i & 255);
  return ((now() - t0) * 1000) / n;
}

await byobRead(chunks / 10);
await write(chunks / 10);
const round = (v: number) => Math.round(v * 1000) / 1000;
emit({
  runtime,
  byob_read_us: round(await byobRead(chunks)),
  byob_read_filled_us: round(await byobRead(chunks, true)),
  fill_only_us: round(fillOnly(chunks)),
  write_us: round(await write(chunks)),
});
