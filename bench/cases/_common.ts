/**
 * What every case runner shares: its arguments, the one JSON line it
 * prints for the orchestrator, and the runtime-specific bits (GC, heap,
 * CPU time, the runtime's own echo server) behind one spelling for Deno,
 * Bun and Node.
 *
 * @module
 */
import { createServer, type Socket } from "node:net";
import process from "node:process";

/** Whether this runner runs under Deno. */
export const isDeno = "Deno" in globalThis;

/** The runtime running this runner. */
export const runtime: "deno" | "bun" | "node" = isDeno
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** The runner's arguments (after the script path). */
export const args: string[] = process.argv.slice(2);

/** The integer argument at `i`, or `fallback`. */
export function intArg(i: number, fallback: number): number {
  const v = Number(args[i]);
  return Number.isFinite(v) ? v : fallback;
}

/** Prints the result line the orchestrator reads (the last JSON line). */
export function emit(result: Record<string, number | string>): void {
  console.log(JSON.stringify(result));
}

/** Reports that a variant cannot run here, with the reason. */
export function skip(reason: string): void {
  emit({ skipped: reason });
}

/** A monotonic clock in ms. */
export const now = (): number => performance.now();

/** A full, synchronous GC: needs `--v8-flags=--expose-gc` under Deno,
 * `--expose-gc` under Node. */
export function gc(): void {
  const g = globalThis as unknown as {
    gc?: () => void;
    Bun?: { gc(force: boolean): void };
  };
  if (g.Bun) g.Bun.gc(true);
  else if (g.gc) g.gc();
  else {
    throw new Error(
      "Cannot collect garbage: run Deno with --v8-flags=--expose-gc, Node with --expose-gc",
    );
  }
}

/** Bytes of JS heap in use. */
export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/** CPU time used by the whole process (every thread), in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The `p` quantile (0..1) of `values` (sorted in place). */
export function quantile(values: number[], p: number): number {
  values.sort((a, b) => a - b);
  const i = Math.min(values.length - 1, Math.max(0, Math.ceil(p * values.length) - 1));
  return values[i];
}

/**
 * A fixed pseudo-random sequence in [0, 1) (a 32-bit LCG): every variant
 * and every run gets the same delays, so runs differ only by the code.
 */
export function spread(seed = 1): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

/** The part of a Bun socket the runners use. */
export interface BunSocket {
  write(d: Uint8Array): number;
  setNoDelay?(on: boolean): void;
  end(): void;
}

/** The part of `Bun` the runners use. */
export interface BunNet {
  listen(o: unknown): { port: number; stop(force?: boolean): void };
  connect(o: unknown): Promise<BunSocket>;
}

/** Bun's own networking (only under Bun). */
export function bunNet(): BunNet {
  return (globalThis as unknown as { Bun: BunNet }).Bun;
}

/**
 * Bun's own TCP echo server on 127.0.0.1 with TCP_NODELAY: what evloop's
 * echo is compared with. Bun buffers a partial write itself when the
 * socket is full.
 */
export function bunEchoListen(): { port: number; stop(force?: boolean): void } {
  return bunNet().listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s: BunSocket) {
        s.setNoDelay?.(true);
      },
      data(s: BunSocket, d: Uint8Array) {
        s.write(d);
      },
    },
  });
}

/**
 * Node's own TCP echo server (`node:net`) on 127.0.0.1 with TCP_NODELAY:
 * what evloop's echo is compared with under Node. Node buffers a partial
 * write itself.
 */
export function nodeEchoListen(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (s) => {
    sockets.add(s);
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address !== null ? address.port : 0,
        close() {
          for (const s of sockets) s.destroy();
          server.close();
        },
      });
    });
  });
}
