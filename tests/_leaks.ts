/**
 * The leak gate: what a test file leaves behind (loops, fds, threads),
 * checked after its last test in both runtimes, plus the fd helpers tests
 * use for their own leak checks.
 *
 * Neither `deno test` nor `bun test` has a per-file hook that both honour
 * (Deno has none; Bun scopes top-level hooks but shares modules between
 * files), so the harness keeps a ledger per test file: the first test of a
 * file takes the snapshot before it runs, and the test that completes the
 * file's count compares against it after it ran, failing with what leaked.
 * Run with a filter, a file's count is never reached and nothing is
 * checked.
 *
 * @module
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { binding, lib } from "../ffi/load.ts";

/**
 * This process's open fds as "fd -> target" (Linux /proc/self/fd).
 * Leak checks compare sets, not counts: under bun test, fds of an earlier
 * test's Workers and children may close while a later test runs.
 */
export function openFds(): string[] {
  const out: string[] = [];
  for (const name of readdirSync("/proc/self/fd")) {
    try {
      out.push(`${name} -> ${readlinkSync(`/proc/self/fd/${name}`)}`);
    } catch {
      // The directory's own fd, gone once listed.
    }
  }
  return out;
}

/** The fds open now that were not in `before` (what leaked). */
export function newFds(before: string[]): string[] {
  return openFds().filter((f) => !before.includes(f));
}

/** The process's threads by name (/proc/self/task/<tid>/comm), counted. */
function threadNames(): Map<string, number> {
  const names = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
      names.set(name, (names.get(name) ?? 0) + 1);
    } catch {
      // Exited while listed.
    }
  }
  return names;
}

/**
 * Which threads the gate counts: the ones a leak of ours leaves. A Worker's
 * thread (Deno names it `worker-N`, Bun `Worker`, Node `WorkerThread`), and
 * threads that took the name of the thread that started them because
 * nobody named them, the shim's waiter threads among them (`deno`, `bun`,
 * `node-MainThread`). Not the runtimes' pools (tokio, V8, JSC, mimalloc,
 * libuv's): they start lazily and keep idle threads for seconds, which is
 * theirs to do.
 */
const COUNTED = /^(worker-\d+|Worker|WorkerThread|deno|bun|node-MainThread|evloop.*)$/;

/**
 * fds the gate leaves to the runtimes: the reactors they start lazily and
 * keep (an epoll fd with its eventfd: Deno's per-file Worker host, Bun's
 * socket loop on the first server), their own executable, which Deno
 * opens once to read its symbols, and copies of their stdio (Bun dups
 * stdout for its writer when a child inherits it). A loop of ours that
 * leaked is counted by el_loop_count, and its timerfd still shows here.
 */
const RUNTIME_FDS = /^anon_inode:\[(eventpoll|eventfd)\]$/;
const executable = (() => {
  try {
    return readlinkSync("/proc/self/exe");
  } catch {
    return "";
  }
})();

function ours(fd: string, stdio: string[]): boolean {
  const target = fd.slice(fd.indexOf(" -> ") + 4);
  return !RUNTIME_FDS.test(target) && target !== executable && !stdio.includes(target);
}

function stdioTargets(): string[] {
  const targets: string[] = [];
  for (const fd of [0, 1, 2]) {
    try {
      targets.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // Closed.
    }
  }
  return targets;
}

interface Snapshot {
  loops: number;
  fds: string[];
  threads: Map<string, number>;
}

function snapshot(): Snapshot {
  return { loops: lib.el_loop_count(), fds: openFds(), threads: threadNames() };
}

/** What `now` holds beyond `before`, as sentences; empty when nothing. */
function leaks(before: Snapshot): string[] {
  const found: string[] = [];
  const loops = lib.el_loop_count();
  if (loops > before.loops) found.push(`loops open: ${before.loops} before, ${loops} after`);
  const stdio = stdioTargets();
  const fds = newFds(before.fds).filter((fd) => ours(fd, stdio));
  if (fds.length > 0) found.push(`fds opened and never closed: ${fds.join(", ")}`);
  for (const [name, count] of threadNames()) {
    const was = before.threads.get(name) ?? 0;
    if (COUNTED.test(name) && count > was) {
      found.push(`threads named "${name}": ${was} before, ${count} after`);
    }
  }
  return found;
}

/**
 * How long a file's leftovers may take to go: a terminated Worker's thread
 * and loop are released asynchronously (within about a second; this
 * leaves room for a loaded machine). EVLOOP_LEAK_SETTLE_MS changes it, for
 * the gate's own test.
 */
const SETTLE_MS = Number(binding.env("EVLOOP_LEAK_SETTLE_MS") || 5_000);

interface Ledger {
  registered: number;
  finished: number;
  before?: Snapshot;
}

const ledgers = new Map<string, Ledger>();

/** The file that declares a test: the first stack frame outside the harness. */
function callerFile(): string | undefined {
  for (const line of (new Error().stack ?? "").split("\n")) {
    const path = line.match(/(?:file:\/\/)?(\/[^\s()]+?):\d+:\d+/)?.[1];
    if (path !== undefined && !/\/tests\/_(harness|leaks)\.ts$/.test(path)) return path;
  }
  return undefined;
}

/**
 * Counts one more test of the calling file and returns the wrapper that
 * runs it inside the file's leak gate.
 */
export function gated(fn: () => Promise<void>): () => Promise<void> {
  const file = callerFile();
  if (file === undefined) return fn;
  let ledger = ledgers.get(file);
  if (ledger === undefined) ledgers.set(file, ledger = { registered: 0, finished: 0 });
  ledger.registered++;
  const own = ledger;
  return async () => {
    own.before ??= snapshot();
    try {
      await fn();
    } finally {
      own.finished++;
    }
    if (own.finished === own.registered) await checkFile(file, own.before);
  };
}

async function checkFile(file: string, before: Snapshot): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  let found = leaks(before);
  while (found.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    found = leaks(before);
  }
  if (found.length > 0) {
    const name = file.replace(/^.*\/tests\//, "tests/");
    throw new Error(
      `Leak gate: ${name} left behind after its last test (${SETTLE_MS} ms allowed):\n  ` +
        found.join("\n  "),
    );
  }
}
