/**
 * The evloop echo server the echo cases run: on one loop, accept on
 * `listener` and echo every read at once (one 64 KiB buffer serves every
 * connection; bytes a full socket did not take wait for writability).
 *
 * @module
 */
import { type EventLoop, fd } from "../../mod.ts";

/** Serves echo on `listener` with `loop` until the loop stops. */
export function serveEcho(loop: EventLoop, listener: number): void {
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
  const drop = (c: number) => {
    if (pending.has(c)) loop.removeWriter(c);
    pending.delete(c);
    loop.removeReader(c);
    fd.close(c);
  };
  const onData = (c: number) => {
    let n: number | null;
    try {
      n = fd.read(c, buf);
    } catch {
      // ECONNRESET once the load generator exits: not the server's error.
      return drop(c);
    }
    if (n === null) return;
    if (n === 0) return drop(c);
    if (pending.has(c)) {
      pending.set(c, concat(pending.get(c)!, buf.subarray(0, n)));
      return;
    }
    let w: number;
    try {
      w = fd.write(c, buf.subarray(0, n)) ?? 0;
    } catch {
      return drop(c); // EPIPE, ECONNRESET: the peer is gone
    }
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
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
