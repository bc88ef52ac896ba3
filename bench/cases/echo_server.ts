/**
 * Echo server for the echo case, driven by bench/c/loadgen in another
 * process. Variants: evloop `exclusive`, evloop `hosted`, and `native`
 * (the runtime's own server: `Deno.listen` or `Bun.listen`).
 * Usage: echo_server.ts VARIANT; prints {"port": N} and serves until killed.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { args, bunEchoListen, emit, isDeno } from "./_common.ts";

function evloop(mode: Mode): Promise<void> {
  const loop = new EventLoop({ mode });
  const listener = fd.tcpListen("127.0.0.1", 0, 1024);
  // One buffer serves every connection: each read is echoed at once.
  const buf = new Uint8Array(65536);
  // Bytes a full socket did not take, per fd (rare with 64-byte messages).
  const pending = new Map<number, Uint8Array>();

  const flush = (c: number) => {
    const rest = pending.get(c)!;
    const w = fd.write(c, rest) ?? 0;
    if (w < rest.length) {
      pending.set(c, rest.subarray(w));
      return;
    }
    pending.delete(c);
    loop.removeWriter(c);
  };
  const onData = (c: number) => {
    const n = fd.read(c, buf);
    if (n === null) return;
    if (n === 0 || pending.has(c)) {
      if (n === 0) {
        if (pending.has(c)) loop.removeWriter(c);
        pending.delete(c);
        loop.removeReader(c);
        fd.close(c);
      } else pending.set(c, concat(pending.get(c)!, buf.subarray(0, n)));
      return;
    }
    const w = fd.write(c, buf.subarray(0, n)) ?? 0;
    if (w < n) {
      pending.set(c, buf.slice(w, n));
      loop.addWriter(c, flush, c);
    }
  };
  loop.addReader(listener, () => {
    for (let c = fd.tcpAccept(listener); c !== null; c = fd.tcpAccept(listener)) {
      loop.addReader(c, onData, c);
    }
  });
  emit({ port: fd.localPort(listener) });
  return loop.runForever();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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

const variant = args[0];
if (variant === "native") await (isDeno ? denoNative() : bunNative());
else await evloop(variant as Mode);
