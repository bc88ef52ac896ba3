/**
 * Ping-pong: one byte back and forth over TCP on 127.0.0.1 with
 * TCP_NODELAY, both ends in this process. Variants: evloop `exclusive`,
 * evloop `hosted`, and `native` (the runtime's own sockets).
 * Usage: pingpong.ts VARIANT ROUND_TRIPS; prints {"us_per_rt": ...}.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import {
  args,
  bunEchoListen,
  bunNet,
  type BunSocket,
  emit,
  intArg,
  nodeEchoListen,
  now,
  runtime,
} from "./_common.ts";
import { connect } from "node:net";

/** Runs `n` round trips on a fresh loop; returns µs per round trip. */
async function evloop(mode: Mode, n: number): Promise<number> {
  const loop = new EventLoop({ mode });
  const listener = fd.tcpListen("127.0.0.1", 0);
  const client = fd.tcpConnect("127.0.0.1", fd.localPort(listener));
  const buf = new Uint8Array(1);
  let server = -1;
  let done = 0;
  let t0 = 0;
  let t1 = 0;
  loop.addReader(listener, () => {
    const s = fd.tcpAccept(listener);
    if (s === null) return;
    server = s;
    loop.removeReader(listener);
    loop.addReader(server, () => {
      if (fd.read(server, buf)) fd.write(server, buf);
    });
    t0 = now();
    fd.write(client, buf);
  });
  loop.addReader(client, () => {
    if (!fd.read(client, buf)) return;
    if (++done < n) {
      fd.write(client, buf);
      return;
    }
    t1 = now();
    loop.removeReader(client);
    loop.removeReader(server);
  });
  await loop.run();
  loop.destroy();
  for (const f of [client, server, listener]) fd.close(f);
  return ((t1 - t0) * 1000) / n;
}

interface DenoConn {
  read(b: Uint8Array): Promise<number | null>;
  write(b: Uint8Array): Promise<number>;
  setNoDelay(on: boolean): void;
  close(): void;
}
interface DenoNet {
  listen(o: { hostname: string; port: number }): {
    addr: { port: number };
    accept(): Promise<DenoConn>;
    close(): void;
  };
  connect(o: { hostname: string; port: number }): Promise<DenoConn>;
}

async function denoNative(n: number): Promise<number> {
  const D = (globalThis as unknown as { Deno: DenoNet }).Deno;
  const listener = D.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    D.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  client.setNoDelay(true);
  server.setNoDelay(true);
  const echo = (async () => {
    const b = new Uint8Array(1);
    while ((await server.read(b)) !== null) await server.write(b);
  })();
  const b = new Uint8Array(1);
  const t0 = now();
  for (let i = 0; i < n; i++) {
    await client.write(b);
    await client.read(b);
  }
  const t1 = now();
  client.close();
  await echo.catch(() => {});
  server.close();
  listener.close();
  return ((t1 - t0) * 1000) / n;
}

async function bunNative(n: number): Promise<number> {
  const B = bunNet();
  const b = new Uint8Array(1);
  const server = bunEchoListen();
  let done = 0;
  let t0 = 0;
  let finish: (t: number) => void = () => {};
  const finished = new Promise<number>((r) => finish = r);
  const client = await B.connect({
    hostname: "127.0.0.1",
    port: server.port,
    socket: {
      data(s: BunSocket) {
        if (++done < n) s.write(b);
        else finish(now());
      },
    },
  });
  client.setNoDelay?.(true);
  t0 = now();
  client.write(b);
  const t1 = await finished;
  client.end();
  server.stop(true);
  return ((t1 - t0) * 1000) / n;
}

/** Node's own sockets (`node:net`): the echo server and a client, both here. */
async function nodeNative(n: number): Promise<number> {
  const server = await nodeEchoListen();
  const b = new Uint8Array(1);
  let done = 0;
  let t0 = 0;
  const client = connect({ host: "127.0.0.1", port: server.port, noDelay: true });
  await new Promise((resolve) => client.once("connect", resolve));
  const t1 = await new Promise<number>((resolve) => {
    client.on("data", () => {
      if (++done < n) client.write(b);
      else resolve(now());
    });
    t0 = now();
    client.write(b);
  });
  client.destroy();
  server.close();
  return ((t1 - t0) * 1000) / n;
}

const variant = args[0];
const n = intArg(1, 20000);
const native = runtime === "deno" ? denoNative : runtime === "bun" ? bunNative : nodeNative;
const run = variant === "native" ? native : (k: number) => evloop(variant as Mode, k);
await run(Math.max(10, Math.floor(n / 10))); // warm-up: JIT, caches
emit({ us_per_rt: await run(n) });
