/**
 * Bulk transfer: BYTES one way over a local stream socket, both ends in
 * this process, 64 KiB chunks. Variants: evloop `exclusive` / `hosted`
 * (`loop.streams()` on both ends of an AF_UNIX socketpair: a writer that
 * awaits each write, a BYOB reader that reuses its buffer), and `native`:
 * the runtime's own sockets over a Unix-domain socket (Deno: `Deno.connect`
 * Web Streams; Bun: `node:net` streams).
 * Usage: streams_bulk.ts VARIANT BYTES; prints {"mb_per_s": ...}.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { args, emit, intArg, isDeno, now } from "./_common.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHUNK = 65536;

/** Writes `total` bytes to `writable`, one reused 64 KiB chunk at a time. */
async function writeAll(writable: WritableStream<Uint8Array>, total: number): Promise<void> {
  const writer = writable.getWriter();
  const chunk = new Uint8Array(CHUNK).fill(120);
  for (let sent = 0; sent < total; sent += CHUNK) {
    await writer.write(total - sent >= CHUNK ? chunk : chunk.subarray(0, total - sent));
  }
  await writer.close();
}

/** Reads `readable` to its end with a BYOB reader; returns the bytes. */
async function readAll(readable: ReadableStream<Uint8Array>): Promise<number> {
  const reader = readable.getReader({ mode: "byob" });
  let buf = new Uint8Array(CHUNK);
  let got = 0;
  for (;;) {
    const { value, done } = await reader.read(buf);
    if (done) break;
    got += value!.length;
    buf = new Uint8Array(value!.buffer);
  }
  return got;
}

async function evloop(mode: Mode, total: number): Promise<number> {
  using loop = new EventLoop({ mode });
  const [a, b] = fd.socketpair();
  using sender = loop.streams(a, { closeFd: true });
  using receiver = loop.streams(b, { closeFd: true });
  const running = loop.run();
  const t0 = now();
  const [, got] = await Promise.all([
    writeAll(sender.writable, total),
    readAll(receiver.readable),
    sender.readable.cancel(),
  ]);
  const t1 = now();
  await receiver.writable.close();
  await running;
  if (got !== total) throw new Error(`received ${got} of ${total} bytes`);
  return total / (1 << 20) / ((t1 - t0) / 1000);
}

interface DenoUnix {
  listen(o: { transport: "unix"; path: string }): {
    accept(): Promise<
      { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }
    >;
    close(): void;
  };
  connect(o: { transport: "unix"; path: string }): Promise<
    { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }
  >;
}

async function denoNative(path: string, total: number): Promise<number> {
  const D = (globalThis as unknown as { Deno: DenoUnix }).Deno;
  const listener = D.listen({ transport: "unix", path });
  const [client, server] = await Promise.all([
    D.connect({ transport: "unix", path }),
    listener.accept(),
  ]);
  const t0 = now();
  const [, got] = await Promise.all([writeAll(client.writable, total), readAll(server.readable)]);
  const t1 = now();
  await server.writable.close().catch(() => {});
  listener.close();
  if (got !== total) throw new Error(`received ${got} of ${total} bytes`);
  return total / (1 << 20) / ((t1 - t0) / 1000);
}

async function nodeNative(path: string, total: number): Promise<number> {
  const net = await import("node:net");
  let accepted!: (s: import("node:net").Socket) => void;
  const serverSide = new Promise<import("node:net").Socket>((r) => accepted = r);
  const server = net.createServer((s) => accepted(s));
  await new Promise<void>((r) => server.listen(path, r));
  const client = net.connect(path);
  await new Promise<void>((r) => client.on("connect", () => r()));
  const peer = await serverSide;
  const t0 = now();
  const got = new Promise<number>((resolve) => {
    let n = 0;
    peer.on("data", (d: Uint8Array) => n += d.length);
    peer.on("end", () => resolve(n));
  });
  const chunk = new Uint8Array(CHUNK).fill(120);
  for (let sent = 0; sent < total; sent += CHUNK) {
    const part = total - sent >= CHUNK ? chunk : chunk.subarray(0, total - sent);
    if (!client.write(part)) await new Promise((r) => client.once("drain", r));
  }
  client.end();
  const n = await got;
  const t1 = now();
  peer.destroy();
  server.close();
  if (n !== total) throw new Error(`received ${n} of ${total} bytes`);
  return total / (1 << 20) / ((t1 - t0) / 1000);
}

async function native(total: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "evloop-bulk-"));
  try {
    const path = join(dir, "s");
    return isDeno ? await denoNative(path, total) : await nodeNative(path, total);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const variant = args[0];
const total = intArg(1, 1 << 30);
const run = variant === "native" ? native : (n: number) => evloop(variant as Mode, n);
await run(Math.max(CHUNK, Math.floor(total / 10))); // warm-up: JIT, caches
emit({ mb_per_s: await run(total) });
