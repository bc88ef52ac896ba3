/**
 * A throw-away PostgreSQL cluster for tests and benchmarks: `initdb` in a
 * temporary directory, `pg_ctl start` on 127.0.0.1 at a free port and on a
 * unix socket in that directory, `stop()` removes it all.
 *
 * PostgreSQL refuses to run as root, so as root every command runs as the
 * `postgres` user (created by Debian's postgresql package) or, lacking it,
 * `nobody`, through `runuser`, and the directory is handed to that user.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** A running cluster. */
export interface Cluster {
  /** The superuser every connection uses (trust authentication). */
  user: string;
  /** The TCP port on 127.0.0.1. */
  port: number;
  /** The directory of the unix socket (`host=` for libpq). */
  socketDir: string;
  /** A conninfo for 127.0.0.1. */
  tcp: string;
  /** A conninfo for the unix socket. */
  unix: string;
  /** Stops the server and removes its directory. */
  stop(): void;
}

/** Where `initdb` and `pg_ctl` are, or null when PostgreSQL is not installed. */
export function postgresBin(): string | null {
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => +b - +a);
    for (const v of versions) {
      if (existsSync(join(base, v, "bin", "pg_ctl"))) return join(base, v, "bin");
    }
  }
  const which = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" });
  const path = which.stdout?.trim();
  return which.status === 0 && path ? path.replace(/\/pg_ctl$/, "") : null;
}

/** Whether libpq's runtime library is installed (libpq5). */
export function hasLibpq(): boolean {
  return hasLibrary("libpq.so.5");
}

/** Whether the dynamic linker knows `soname` (`ldconfig -p`). */
export function hasLibrary(soname: string): boolean {
  const r = spawnSync("sh", ["-c", "ldconfig -p 2>/dev/null || /sbin/ldconfig -p"], {
    encoding: "utf8",
  });
  return (r.stdout ?? "").includes(soname);
}

/** Why a PostgreSQL test cannot run here, or null when it can. */
export function postgresMissing(): string | null {
  if (process.platform !== "linux") return "PostgreSQL tests run on Linux only";
  if (postgresBin() === null) return "PostgreSQL not installed";
  if (!hasLibpq()) return "libpq (libpq5) not installed";
  return null;
}

function freePort(): Promise<number> {
  const s = net.createServer();
  return new Promise((resolve, reject) => {
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The uid and gid to run PostgreSQL as, or null to run as ourselves. */
function runAs(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ["postgres", "nobody"]) {
    const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (uid.status === 0 && gid.status === 0) {
      return { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
    }
  }
  throw new Error("Cannot run PostgreSQL as root: no postgres or nobody user to run it as");
}

/** Starts a cluster; throws with the server's log when it cannot. */
export async function startCluster(): Promise<Cluster> {
  const bin = postgresBin();
  if (bin === null) throw new Error("Cannot start PostgreSQL: not installed");
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), "evloop-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const user = "evloop";
  if (as) chownSync(dir, as.uid, as.gid);
  // The server is the test's tool, not what it tests: a sanitizer runtime
  // preloaded into the test run (scripts/ci/asan.sh) stays out of it.
  // Emptied, not left out: Deno's node:child_process merges the parent's
  // environment into `env`.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const k of ["LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"]) env[k] = "";
  const exec = (cmd: string, args: string[]) => {
    const argv = as ? ["runuser", "-u", as.name, "--", join(bin, cmd), ...args] : [
      join(bin, cmd),
      ...args,
    ];
    // cwd: the directory is readable by that user (the caller's may not be).
    return spawnSync(argv[0], argv.slice(1), {
      cwd: dir,
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
  };
  const fail = (what: string, r: { stdout: string; stderr: string; status: number | null }) => {
    const server = existsSync(log) ? readFileSync(log, "utf8") : "";
    rmSync(dir, { recursive: true, force: true });
    return new Error(
      `Cannot start PostgreSQL: ${what} exited ${r.status}\n${r.stdout}${r.stderr}${server}`,
    );
  };
  const init = exec("initdb", [
    "-D",
    data,
    "-U",
    user,
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
    "--no-instructions",
  ]);
  if (init.status !== 0) throw fail("initdb", init);

  // A free port can be taken by someone else before the server binds it:
  // try a few.
  for (let attempt = 0;; attempt++) {
    const port = await freePort();
    const start = exec("pg_ctl", [
      "-D",
      data,
      "-l",
      log,
      "-w",
      "-t",
      "60",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off ` +
      "-c synchronous_commit=off -c full_page_writes=off -c max_connections=20 " +
      "-c shared_buffers=16MB",
      "start",
    ]);
    if (start.status !== 0) {
      if (attempt < 3) continue;
      throw fail("pg_ctl start", start);
    }
    let stopped = false;
    return {
      user,
      port,
      socketDir: dir,
      tcp: `host=127.0.0.1 port=${port} user=${user} dbname=postgres`,
      unix: `host=${dir} port=${port} user=${user} dbname=postgres`,
      stop() {
        if (stopped) return;
        stopped = true;
        exec("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
