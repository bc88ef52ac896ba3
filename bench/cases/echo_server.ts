/**
 * Echo server for the echo case, driven by bench/c/loadgen in another
 * process. Variants: evloop `exclusive`, evloop `hosted`, and `native`
 * (the runtime's own server: `Deno.listen`, `Bun.listen` or `node:net`).
 * Usage: echo_server.ts VARIANT [EXIT_MS]; prints {"port": N} and serves
 * until killed, or (evloop variants) for EXIT_MS, then exits normally, so
 * a `--cpu-prof` run writes its profile.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { args, bunEchoListen, emit, nodeEchoListen, runtime } from "./_common.ts";
import { serveEcho } from "./_echo.ts";

function evloop(mode: Mode): Promise<void> {
  const loop = new EventLoop({ mode });
  // The backlog holds a burst of 10,000 connects (the kernel caps it at
  // somaxconn).
  const listener = fd.tcpListen("127.0.0.1", 0, { backlog: 4096 });
  serveEcho(loop, listener);
  emit({ port: fd.localPort(listener) });
  const exitMs = Number(args[1]);
  if (exitMs > 0) loop.callLater(exitMs, () => loop.stop());
  return loop.runForever();
}

interface DenoConn {
  read(b: Uint8Array): Promise<number | null>;
  write(b: Uint8Array): Promise<number>;
  setNoDelay(on: boolean): void;
}

async function denoNative(): Promise<void> {
  const D = (globalThis as unknown as {
    Deno: {
      listen(o: unknown): { addr: { port: number } } & AsyncIterable<DenoConn>;
    };
  }).Deno;
  const listener = D.listen({ hostname: "127.0.0.1", port: 0 });
  emit({ port: listener.addr.port });
  for await (const conn of listener) {
    conn.setNoDelay(true);
    (async () => {
      const b = new Uint8Array(65536);
      for (let n = await conn.read(b); n !== null; n = await conn.read(b)) {
        // Deno's write may be partial: loop until all is sent.
        for (let off = 0; off < n;) off += await conn.write(b.subarray(off, n));
      }
    })().catch(() => {});
  }
}

function bunNative(): Promise<void> {
  const server = bunEchoListen();
  emit({ port: server.port });
  return new Promise(() => {});
}

async function nodeNative(): Promise<void> {
  const server = await nodeEchoListen();
  emit({ port: server.port });
  return new Promise(() => {});
}

const variant = args[0];
if (variant === "native") {
  await (runtime === "deno" ? denoNative() : runtime === "bun" ? bunNative() : nodeNative());
} else await evloop(variant as Mode);
