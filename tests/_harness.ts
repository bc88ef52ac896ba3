/**
 * One way to declare tests that runs unchanged under `deno test`,
 * `bun test` and `node --test` (`node:test`, with tests/_node_setup.ts
 * loaded first), plus helpers the tests share.
 *
 * @module
 */
import { threadLoopForTests } from "../src/api/event_loop.ts";
import { defaultLoopForTests } from "../src/api/ioloop.ts";
import { binding, lib, libraryPath, shimString } from "../ffi/load.ts";
import { gated, newFds } from "./_leaks.ts";
import process from "node:process";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export { newFds, openFds } from "./_leaks.ts";

type TestFn = () => void | Promise<void>;

interface DenoTest {
  test(def: {
    name: string;
    fn: TestFn;
    sanitizeOps: boolean;
    sanitizeResources: boolean;
  }): void;
}

interface BunTest {
  test(name: string, fn: TestFn, timeoutMs?: number): void;
}

interface NodeTest {
  test(name: string, options: { timeout: number }, fn: TestFn): void;
}

/** The runtime running the tests. */
export const runtime: "deno" | "bun" | "node" = binding.runtime;

/** Whether the tests run under Deno. */
export const isDeno: boolean = runtime === "deno";

// Imported by a computed name, so that Deno's type checker, which has no
// Bun types, never follows it.
const bunTestModule = "bun:test";
const bunTest: BunTest | undefined = runtime === "bun" ? await import(bunTestModule) : undefined;
const nodeTest: NodeTest | undefined = runtime === "node" ? await import("node:test") : undefined;

/** What a Node process needs before a test file or a spawned script. */
export const NODE_SETUP: string = new URL("./_node_setup.ts", import.meta.url).href;

/** The shim's poller backend: "epoll" or "kqueue" (`el_backend_name`). */
export const backend: string = shimString((buf, len) => lib.el_backend_name(buf, len)) ?? "";

/**
 * Whether the poller reports TCP out-of-band data as PRI: epoll does, and
 * kqueue with EVFILT_EXCEPT (macOS); kqueue without it (libkqueue on Linux,
 * FreeBSD) never does (csrc/kqueue.c).
 */
export const reportsPri: boolean = backend === "epoll" || binding.os === "darwin";

/**
 * A safety net only: tests synchronise on events, never on time. The
 * teardown gate, whose tests start 200 Workers each, raises it with
 * EVLOOP_TEST_TIMEOUT_MS (scripts/ci/worker_teardown.sh).
 */
const TIMEOUT_MS = Number(process.env.EVLOOP_TEST_TIMEOUT_MS || 60_000);

async function isolated(fn: TestFn): Promise<void> {
  try {
    await fn();
  } finally {
    // A failed test must not leave this thread's loop to the next one.
    const leftover = threadLoopForTests();
    if (leftover !== null && !leftover.running) leftover.destroy();
    const ioloop = defaultLoopForTests();
    if (ioloop !== null && !ioloop.running()) ioloop.close();
  }
}

/**
 * Declares a test, named "symbol + behaviour". The last test of each file
 * also fails if the file left a loop, an fd or a thread behind
 * (tests/_leaks.ts).
 */
export function test(name: string, fn: TestFn): void {
  const run = gated(() => isolated(fn));
  if (runtime === "deno") {
    (globalThis as unknown as { Deno: DenoTest }).Deno.test({
      name,
      fn: run,
      sanitizeOps: false,
      sanitizeResources: false,
    });
  } else if (runtime === "bun") {
    bunTest!.test(name, run, TIMEOUT_MS);
  } else {
    nodeTest!.test(name, { timeout: TIMEOUT_MS }, run);
  }
}

/**
 * The arguments that run the script `file` with `args` in the runtime
 * running these tests (Deno: `run -A`; Node: the test setup first, for
 * the import map's names and the Web Worker API).
 */
export function scriptArgs(file: string, ...args: string[]): string[] {
  if (runtime === "deno") return ["run", "-A", file, ...args];
  if (runtime === "node") return ["--import", NODE_SETUP, file, ...args];
  return [file, ...args];
}

/**
 * The command that runs the script `file` with `args` in the runtime
 * running these tests: `[executable, argv]`, for `spawn` and `spawnSync`.
 */
export function scriptCommand(file: string, ...args: string[]): [string, string[]] {
  return [process.execPath, scriptArgs(file, ...args)];
}

/**
 * The arguments that run the test file `file` alone in the runtime
 * running these tests (`deno test`, `bun test`, `node --test`).
 */
export function testArgs(file: string): string[] {
  if (runtime === "deno") return ["test", "-A", "--no-check", file];
  if (runtime === "node") return ["--import", NODE_SETUP, "--test", file];
  return ["test", file];
}

/**
 * Runs the native test program `evloop_test_<name>` of tests/c (built
 * beside the shim) and fails unless it exits 0 and prints "all ok".
 */
export function runNative(name: string, ...args: string[]): void {
  const path = libraryPath.replace(/libevloop\.(so|dylib)$/, `evloop_test_${name}`);
  if (!existsSync(path)) throw new Error(`${path} is missing: build with \`npm run build\``);
  const r = spawnSync(path, args, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0 || !r.stdout.includes("all ok")) {
    throw new Error(`${name} exited ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  }
}

/** Resolves when `promise` does, or rejects after `ms` with `what`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once `loop` stopped running after `stop()` (its run promise is
 * not at hand, e.g. `switch()` started it): the stop takes effect at the end
 * of the current iteration, a few host turns at most.
 */
export async function settled(loop: { readonly running: boolean }): Promise<void> {
  for (let turns = 0; loop.running; turns++) {
    if (turns > 10_000) throw new Error("The loop did not stop");
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/**
 * Probes until `ok(probe())` or `ms` passed, and returns the last value.
 * For what a runtime releases asynchronously with no event to await: a
 * terminated Worker's thread and fds go some time after `terminate()`.
 */
export async function eventually<T>(
  probe: () => T,
  ok: (value: T) => boolean,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  let value = probe();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = probe();
  }
  return value;
}

/**
 * The fds open now that were not in `before`, less what a runtime keeps
 * after its Workers are gone: Deno holds the event queue of its last
 * Worker (one eventfd and one epoll fd) until the next Worker starts. A
 * leaked loop would show its timerfd too, and `el_loop_count`.
 */
export function newFdsAfterWorkers(before: string[]): string[] {
  const fds = newFds(before);
  if (!isDeno) return fds;
  for (const kind of ["anon_inode:[eventfd]", "anon_inode:[eventpoll]"]) {
    const i = fds.findIndex((f) => f.endsWith(` -> ${kind}`));
    if (i >= 0) fds.splice(i, 1);
  }
  return fds;
}
