/**
 * Runs a file of examples/ for real, as a user would, under the runtime
 * that runs the tests: `deno run` under `deno test`, `bun` under
 * `bun test`, `node` under `node --test` (npm test runs the suite under
 * each, so each example runs under each).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { runtime as testRuntime } from "./_harness.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** The runtime the examples run under here. */
export const runtime: "deno" | "bun" | "node" = testRuntime;

/** What an example printed, and how it ended. */
export interface ExampleRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `examples/<file>` with `args`; resolves when it exits (killed
 * after `timeoutMs`). Asynchronous, so that a server in this process (such
 * as a PostgreSQL cluster's pg_ctl) is never starved.
 */
export function runExample(file: string, args: string[], timeoutMs = 60_000): Promise<ExampleRun> {
  const path = join("examples", file);
  const argv = runtime === "deno"
    ? [
      join(root, "node_modules", ".bin", "deno"),
      "run",
      "--allow-ffi",
      "--allow-net",
      "--allow-env",
      path,
      ...args,
    ]
    : runtime === "bun"
    ? [join(root, "node_modules", ".bin", "bun"), path, ...args]
    : [process.execPath, path, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => stdout += d);
    child.stderr!.on("data", (d) => stderr += d);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
