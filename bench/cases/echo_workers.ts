/**
 * The cores case's evloop server: K Workers, each with its own exclusive
 * loop and its own listener on one port (`fd.tcpListen` with `reusePort`),
 * the kernel spreading connections between them; driven by the C load
 * generator as the echo case is.
 * Usage: echo_workers.ts K; prints {"port": N} once every Worker listens,
 * and serves until killed.
 *
 * @module
 */
import { fd } from "../../mod.ts";
import { emit, intArg } from "./_common.ts";

const k = intArg(0, 1);
// A first listener picks the port; it closes once the Workers hold it, so
// it never takes a connection of its own.
const probe = fd.tcpListen("127.0.0.1", 0, { reusePort: true });
const port = fd.localPort(probe);
const url = new URL("./echo_worker.ts", import.meta.url);
const workers: Worker[] = [];
await Promise.all(Array.from({ length: k }, () => {
  const w = new Worker(url.href, { type: "module" });
  workers.push(w);
  return new Promise<void>((resolve, reject) => {
    w.onmessage = () => resolve();
    w.onerror = (e) => reject(new Error(`echo worker failed: ${e.message}`));
    w.postMessage(port);
  });
}));
fd.close(probe);
emit({ port });
