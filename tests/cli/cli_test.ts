// cli.ts smoke tests: real deno, bun and node processes, exit codes, key
// lines (the tour under Deno and Bun).
import { spawnSync } from "node:child_process";
import process from "node:process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { test } from "../_harness.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const deno = join(root, "node_modules", ".bin", "deno");
const bun = join(root, "node_modules", ".bin", "bun");
const node = join(root, "node_modules", ".bin", "node");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd = root, extraEnv: Record<string, string> = {}): Run {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== "EVLOOP_LIB") env[k] = v;
  }
  const r = spawnSync(cmd, args, {
    cwd,
    // Empty, not only left out: Deno's node:child_process merges the
    // parent's environment into `env`, so an EVLOOP_LIB set for the suite
    // (the kqueue run) would reach the child. Empty counts as unset.
    env: { ...env, NO_COLOR: "1", EVLOOP_LIB: "", ...extraEnv },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

const runtimes: [string, (args: string[], cwd?: string) => Run][] = [
  ["deno", (args, cwd) => run(deno, ["run", "--allow-ffi", "cli.ts", ...args], cwd)],
  ["bun", (args, cwd) => run(bun, ["cli.ts", ...args], cwd)],
  // Node 26 where npm has one for this machine (package.json).
  ...(existsSync(node)
    ? [["node", (args, cwd) => run(node, ["cli.ts", ...args], cwd)] as [
      string,
      (args: string[], cwd?: string) => Run,
    ]]
    : []),
];

// The tour as `npm start` runs it: Deno with -A (README, "Permissions").
const tours: [string, (args: string[]) => Run][] = [
  ["deno", (args) => run(deno, ["run", "-A", "cli.ts", "demo", ...args])],
  ["bun", (args) => run(bun, ["cli.ts", "demo", ...args])],
];

const STEP_NAMES = ["serial", "inotify", "pri", "signal", "worker", "native", "netns"];

/** Each step's block of the tour's output, by name: from its "i/n name:" line on. */
function sections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of stdout.split(/\n(?=\d+\/\d+ )/).slice(1)) {
    out.set(block.match(/^\d+\/\d+ (\w+):/)![1], block);
  }
  return out;
}

/** Why a step may be skipped on this machine (the test's own probe), or null. */
function mayBeSkipped(step: string): RegExp | null {
  const root = process.getuid?.() === 0;
  if (step === "netns" && !root) return /skipped: not root/;
  if (step === "pri") {
    const cgroup2 = readFileSync("/proc/self/mounts", "utf8").includes(" cgroup2 ");
    if (!cgroup2) return /skipped: no cgroup v2 hierarchy is mounted/;
    if (!root) return /skipped: not root/;
  }
  return null;
}

/** What each step's block must show when it ran. */
const SHOWS: Record<string, RegExp[]> = {
  serial: [/pty \/dev\/pts\/\d+ opened/, /client read EIO/, /ok in [\d.]+ ms: 2000\/2000 answers/],
  inotify: [
    /create a0000 a0001 a0002/,
    /rename a0000>b0000 a0001>b0001 a0002>b0002/,
    /delete b0000 b0001 b0002/,
    /deleteSelf, ignored/,
  ],
  pri: [/cgroup\.freeze <- 1: cgroup\.events now says "populated 1 frozen 1"/, /4 changes/],
  signal: [
    /SIGUSR2 arrived \(loop\.signals\): si_pid \d+, si_uid \d+/,
    /ok in [\d.]+ ms: the sender was the kill/,
  ],
  worker: [/2000 calls ran in [\d.]+ ms .*, each Worker's in order: true/, /woke for a Worker's/],
  native: [/2000 calls ran in [\d.]+ ms, each thread's in order: true/, /summed to 1001000/],
  netns: [/NEWADDR 10\.77\.0\.1 10\.77\.0\.2 10\.77\.0\.3/, /DELLINK ev1/, /5 pings answered/],
};

function assertTour(r: Run, mode: string): void {
  assertEquals(r.status, 0, r.stdout + r.stderr);
  assertStringIncludes(r.stdout, `backend, ${mode} mode`);
  const blocks = sections(r.stdout);
  assertEquals([...blocks.keys()], STEP_NAMES);
  for (const [step, block] of blocks) {
    assert(/^\s+[\d.]+ ms {2}\S/m.test(block) || /skipped:/.test(block), block);
    const skip = mayBeSkipped(step);
    if (skip !== null) {
      assertMatch(block, skip);
      continue;
    }
    const ms = Number(block.match(/\n {2}ok in ([\d.]+) ms: /)?.[1]);
    assert(Number.isFinite(ms), block);
    // A few seconds in all: no step waits out its 10 s safety net (a
    // parked loop that missed its wake-up did).
    assert(ms < 8000, `${step} took ${ms} ms:\n${block}`);
    for (const shown of SHOWS[step]) assertMatch(block, shown);
  }
  assertMatch(r.stdout, /tour: 7 steps in [\d.]+ s: \d ok, \d skipped, 0 failed/);
}

for (const [name, cli] of runtimes) {
  test(`cli.ts doctor under ${name} prints the runtime, library, backend and kernel`, () => {
    const r = cli(["doctor"]);
    assertEquals(r.status, 0, r.stderr);
    assertStringIncludes(r.stdout, `runtime: ${name} `);
    assertStringIncludes(r.stdout, "library: ");
    assertStringIncludes(r.stdout, "libevloop.");
    assert(/backend: (epoll|kqueue)/.test(r.stdout), r.stdout);
    assertStringIncludes(r.stdout, "kernel:  ");
    assertStringIncludes(r.stdout, "status:  ok");
  });

  test(`cli.ts doctor under ${name} exits non-zero with a clear message when the shim cannot load`, () => {
    // A copy of the package without build/: nothing to load.
    const dir = mkdtempSync(join(tmpdir(), "evloop-nolib-"));
    try {
      for (const part of ["cli.ts", "mod.ts", "deno.json", "src", "ffi"]) {
        cpSync(join(root, part), join(dir, part), { recursive: true });
      }
      const r = cli(["doctor"], dir);
      assert(r.status !== 0, "doctor must fail without the shim");
      const out = r.stdout + r.stderr;
      assertStringIncludes(out, "evloop cannot start: Cannot load the evloop shim");
      assertStringIncludes(out, join(dir, "build", "libevloop.so"));
      assertStringIncludes(out, "npm run build");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("cli.ts doctor under deno --allow-ffi says an EVLOOP_LIB was not read without --allow-env", () => {
  const dir = mkdtempSync(join(tmpdir(), "evloop-nolib-"));
  try {
    for (const part of ["cli.ts", "mod.ts", "deno.json", "src", "ffi"]) {
      cpSync(join(root, part), join(dir, part), { recursive: true });
    }
    const r = run(deno, ["run", "--allow-ffi", "cli.ts", "doctor"], dir, {
      EVLOOP_LIB: "/nonexistent/libevloop.so",
    });
    assert(r.status !== 0, "doctor must fail without the shim");
    const out = r.stdout + r.stderr;
    assertStringIncludes(out, "EVLOOP_LIB: not read: Deno needs --allow-env=EVLOOP_LIB");
    assertStringIncludes(out, "@evloop/");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [name, tour] of tours) {
  test(`cli.ts demo under ${name} runs every step of the tour, each with its timings, and exits 0`, () => {
    assertTour(tour([]), "hosted");
  });

  test(`cli.ts demo --list under ${name} names the steps`, () => {
    const r = tour(["--list"]);
    assertEquals(r.status, 0, r.stderr);
    assertEquals(r.stdout.trim().split("\n").map((line) => line.split(" ")[0]), STEP_NAMES);
  });

  test(`cli.ts demo <name> under ${name} runs that step only`, () => {
    const r = tour(["signal"]);
    assertEquals(r.status, 0, r.stdout + r.stderr);
    assertEquals([...sections(r.stdout).keys()], ["signal"]);
    assertMatch(r.stdout, /tour: 1 steps in [\d.]+ s: 1 ok, 0 skipped, 0 failed/);
  });
}

test("cli.ts demo --exclusive under deno runs the whole tour with exclusive loops", () => {
  assertTour(tours[0][1](["--exclusive"]), "exclusive");
});

test("cli.ts demo with an unknown step or option exits 2 and names the steps", () => {
  const step = tours[1][1](["frobnicate"]);
  assertEquals(step.status, 2);
  assertStringIncludes(
    step.stderr,
    'Unknown demo step "frobnicate": the steps are serial, inotify, pri, signal, worker',
  );
  const option = tours[0][1](["--fast"]);
  assertEquals(option.status, 2);
  assertStringIncludes(option.stderr, 'Unknown demo option "--fast"');
});

test("cli.ts with an unknown command exits 2 with the usage", () => {
  const r = runtimes[1][1](["frobnicate"]);
  assertEquals(r.status, 2);
  assertStringIncludes(r.stderr, 'Unknown command "frobnicate"');
});
