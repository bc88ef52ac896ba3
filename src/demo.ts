/**
 * The demo behind `cli.ts demo` (`npm start`): an echo server on raw
 * sockets through `addReader`/`addWriter`, a client, a few timers, a line
 * per event. Everything runs on 127.0.0.1 and ends by itself.
 *
 * @module
 */
import { EventLoop } from "./event_loop.ts";
import type { Mode } from "./drivers.ts";
import * as fd from "./fd.ts";
import { info } from "./info.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Runs the demo; resolves with the number of messages echoed.
 *
 * @example
 * ```ts
 * import { runDemo } from "./demo.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(await runDemo({ log: () => {} }), 3);
 * ```
 */
export async function runDemo(
  options: { mode?: Mode; log?: (line: string) => void } = {},
): Promise<number> {
  const log = options.log ?? console.log;
  const mode = options.mode ?? "hosted";
  const loop = new EventLoop({ mode });
  const start = loop.time();
  const say = (line: string) => log(`[${(loop.time() - start).toFixed(2).padStart(7)} ms] ${line}`);
  const facts = info();
  log(`evloop demo on ${facts.runtime} ${facts.runtimeVersion}, ${facts.backend}, ${mode} mode`);

  const messages = ["hello", "from", "evloop"];
  let echoed = 0;
  const server = fd.tcpListen("127.0.0.1", 0);
  const port = fd.localPort(server);
  say(`server: listening on 127.0.0.1:${port} (fd ${server})`);

  // Server: accept, then echo whatever arrives; the write side waits for
  // writability only while it has bytes pending.
  loop.addReader(server, () => {
    const conn = fd.tcpAccept(server);
    if (conn === null) return; // another accept got it: readiness can be spurious
    say(`server: accepted a connection (fd ${conn})`);
    loop.removeReader(server);
    let pending = new Uint8Array(0);
    const flush = () => {
      const n = fd.write(conn, pending) ?? 0;
      pending = pending.subarray(n);
      if (pending.length === 0) loop.removeWriter(conn);
    };
    loop.addReader(conn, () => {
      const buf = new Uint8Array(1024);
      const n = fd.read(conn, buf);
      if (n === null) return;
      if (n === 0) {
        say("server: the client hung up, closing");
        fd.close(conn); // removes its watchers too
        return;
      }
      say(`server: echoing ${n} bytes`);
      pending = buf.slice(0, n);
      flush();
      if (pending.length > 0) loop.addWriter(conn, flush);
    });
  });

  // Client: connect (non-blocking: writable means connected), then send
  // each message 10 ms (a timer) after the previous echo came back. TCP is a
  // stream: waiting for each echo keeps messages from merging in one read.
  const client = fd.tcpConnect("127.0.0.1", port);
  say(`client: connecting (fd ${client})`);
  let received = "";
  const sendNext = () => {
    const text = messages[echoed];
    loop.callLater(10, () => {
      say(`timer: 10 ms later, client sends "${text}"`);
      fd.write(client, encoder.encode(text));
    });
  };
  loop.addWriter(client, () => {
    loop.removeWriter(client);
    const error = fd.socketError(client);
    if (error !== null) throw error;
    say("client: connected");
    sendNext();
  });
  loop.addReader(client, () => {
    const buf = new Uint8Array(1024);
    const n = fd.read(client, buf);
    if (n === null || n === 0) return;
    received += decoder.decode(buf.subarray(0, n));
    if (received.length < messages[echoed].length) return; // the rest is on its way
    say(`client: received "${received}"`);
    received = "";
    echoed++;
    if (echoed < messages.length) {
      sendNext();
      return;
    }
    say("client: all echoes back, closing");
    guard.cancel();
    fd.close(client);
    fd.close(server);
  });
  // Never a silent hang: after 10 s, give up loudly and end the run.
  const guard = loop.callLater(10_000, () => {
    say("demo: no progress for 10 s, giving up");
    for (const f of [client, server]) {
      try {
        fd.close(f);
      } catch { /* closed already */ }
    }
    loop.stop();
  });
  loop.callLater(5, () => say("timer: 5 ms, the loop is idle between events"));

  await loop.run();
  say(`done: ${echoed} messages echoed, nothing left to watch, run() resolved`);
  loop.destroy();
  return echoed;
}
