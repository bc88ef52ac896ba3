/**
 * The curl case: TRANSFERS HTTP GETs of SIZE bytes, CONCURRENCY at a time,
 * against bench/c/http_server on 127.0.0.1 (a separate process, the same
 * for every variant), in BATCHES measured batches after one warm-up batch.
 * Variants: `c` (libcurl's own curl_multi_perform + curl_multi_poll loop
 * in C, bench/c/curl_multi_poll.c: the limit), `c_socket` (the
 * multi_socket wiring of the example on a plain epoll loop in C,
 * bench/c/curl_multi_socket.c), `exclusive` and `hosted`
 * (libcurl's multi_socket interface on evloop, examples/curl_multi.ts),
 * and `fetch` (the runtime's own fetch()). Each checks every body's length.
 * Usage: curl.ts BUILD_DIR VARIANT SIZE TRANSFERS CONCURRENCY BATCHES;
 * prints {"ms": wall ms per batch, "cpu_ms": CPU ms of the client process per batch}.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EventLoop, type Mode } from "../../mod.ts";
import { args, cpuMs, emit, now, skip } from "./_common.ts";

const [build, variant] = args;
const [size, transfers, concurrency, batches] = args.slice(2, 6).map(Number);

/** Starts the C HTTP server; resolves with its port and a stop function. */
function startServer(): Promise<{ port: number; stop(): void }> {
  const server = spawn(join(build, "bench_http_server"), [String(size)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (d) => {
      out += d;
      const m = out.match(/\{"port":(\d+)\}/);
      if (m) resolve({ port: Number(m[1]), stop: () => server.kill("SIGKILL") });
    });
    server.on("exit", (code) => reject(new Error(`bench_http_server exited ${code}`)));
  });
}

function check(bytes: number[]): void {
  for (const b of bytes) {
    if (b !== size) throw new Error(`A transfer got ${b} bytes, not ${size}`);
  }
}

interface Timing {
  ms: number;
  cpu_ms: number;
}

async function timed(batch: () => Promise<void>): Promise<Timing> {
  await batch(); // warm-up: connections open, code compiled
  const t0 = now();
  const c0 = cpuMs();
  for (let b = 0; b < batches; b++) await batch();
  return { ms: (now() - t0) / batches, cpu_ms: (cpuMs() - c0) / batches };
}

async function viaEvloop(url: string, mode: Mode): Promise<Timing> {
  // Loaded here: the C and fetch variants must not need libcurl over FFI.
  const { CurlMulti, CURLE } = await import("../../examples/curl_multi.ts");
  const loop = new EventLoop({ mode });
  const looping = loop.runForever();
  const multi = new CurlMulti(loop);
  const requests = Array.from({ length: transfers }, () => ({ url }));
  const batch = async () => {
    const outcomes = await multi.fetchAll(requests, concurrency);
    for (const o of outcomes) if (o.code !== CURLE.OK) throw new Error(o.message);
    check(outcomes.map((o) => o.bytes));
  };
  const timing = await timed(batch);
  multi.close();
  loop.stop();
  await looping;
  loop.destroy();
  return timing;
}

function viaFetch(url: string): Promise<Timing> {
  const batch = async () => {
    const bytes: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < transfers) {
        next++;
        const r = await fetch(url);
        bytes.push((await r.arrayBuffer()).byteLength);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    check(bytes);
  };
  return timed(batch);
}

const cPrograms: Record<string, string> = {
  c: join(build, "bench_curl_multi_poll"),
  c_socket: join(build, "bench_curl_multi_socket"),
};
const cProgram = cPrograms[variant];
if (cProgram !== undefined && !existsSync(cProgram)) {
  skip("bench_curl_multi_poll not built (curl's headers, libcurl4-openssl-dev, missing)");
} else {
  const server = await startServer();
  const url = `http://127.0.0.1:${server.port}/`;
  try {
    if (cProgram !== undefined) {
      const argv = [server.port, size, transfers, concurrency, batches].map(String);
      const r = spawnSync(cProgram, argv, { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${cProgram} failed: ${r.stderr}`);
      emit(JSON.parse(r.stdout.trim().split("\n").pop()!));
    } else if (variant === "fetch") {
      emit({ ...await viaFetch(url) });
    } else {
      emit({ ...await viaEvloop(url, variant as Mode) });
    }
  } finally {
    server.stop();
  }
}
