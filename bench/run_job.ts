/**
 * Runs one variant's process and returns the figures it printed: its last
 * JSON line, or, for an echo server, the load generator's line (the server
 * prints its port first and is killed afterwards).
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import type { Job } from "./cases.ts";

/** The figures of one run, or why the variant was skipped. */
export type Figures = Record<string, number> & { skipped?: never };
export type Outcome = { figures: Figures } | { skipped: string };

function lastJson(text: string, what: string): Record<string, unknown> {
  const lines = text.trim().split("\n").filter((l) => l.startsWith("{"));
  if (lines.length === 0) throw new Error(`${what} printed no result:\n${text}`);
  return JSON.parse(lines[lines.length - 1]);
}

function toOutcome(obj: Record<string, unknown>): Outcome {
  if (typeof obj.skipped === "string") return { skipped: obj.skipped };
  const figures: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj)) figures[k] = Number(v);
  return { figures: figures as Figures };
}

/** Runs `job` from `root` with a time limit; throws on failure. */
export async function runJob(
  job: Job,
  root: string,
  loadgen: string,
  timeoutMs: number,
): Promise<Outcome> {
  const what = job.argv.join(" ");
  if (job.serve === undefined) {
    const r = spawnSync(job.argv[0], job.argv.slice(1), {
      cwd: root,
      encoding: "utf8",
      timeout: timeoutMs,
      env: { ...process.env, NO_COLOR: "1" },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
      throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    }
    return toOutcome(lastJson(r.stdout, what));
  }
  return await serve(job, root, loadgen, timeoutMs);
}

async function serve(job: Job, root: string, loadgen: string, timeoutMs: number): Promise<Outcome> {
  const what = job.argv.join(" ");
  // The connection-scaling case holds 10,000 sockets in the server: raise
  // its soft fd limit to the hard one first (a runtime cannot do it
  // itself). The load generator raises its own, and reports a size the
  // hard limit cannot hold as skipped.
  const raise = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';
  const server = spawn("/bin/sh", ["-c", raise, ...job.argv], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  server.stderr!.on("data", (d) => err += d);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${what}: no port after 30 s\n${err}`)),
        // Generous: a loaded machine starts a runtime and its Workers slowly.
        30_000,
      );
      server.stdout!.on("data", (d) => {
        out += d;
        const m = out.match(/\{"port":(\d+)\}/);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      server.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${code}) before serving:\n${out}${err}`));
      });
    });
    const l = job.serve!;
    const argv = [
      String(port),
      String(l.conns),
      String(l.size),
      String(l.warmupMs),
      String(l.measureMs),
    ];
    // Asynchronous on purpose: a synchronous spawn would stall this
    // process's event loop, and with it the server's pipes.
    const result = await new Promise<string>((resolve, reject) => {
      const gen = spawn(loadgen, argv, { stdio: ["ignore", "pipe", "pipe"] });
      let gout = "";
      let gerr = "";
      gen.stdout!.on("data", (d) => gout += d);
      gen.stderr!.on("data", (d) => gerr += d);
      const timer = setTimeout(() => gen.kill("SIGKILL"), timeoutMs);
      gen.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(gout);
        else {reject(
            new Error(`loadgen against ${what} failed (${code}):\n${gout}${gerr}\nserver: ${err}`),
          );}
      });
    });
    return toOutcome(lastJson(result, "loadgen"));
  } finally {
    server.kill("SIGKILL");
    await new Promise((r) =>
      server.exitCode !== null || server.signalCode !== null ? r(null) : server.on("exit", r)
    );
  }
}
