// cli.ts smoke tests: real deno and bun processes, exit codes, key lines.
import { spawnSync } from "node:child_process";
import process from "node:process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { test } from "../_harness.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const deno = join(root, "node_modules", ".bin", "deno");
const bun = join(root, "node_modules", ".bin", "bun");

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
];

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

  test(`cli.ts demo under ${name} echoes three messages and exits 0`, () => {
    const r = cli(["demo"]);
    assertEquals(r.status, 0, r.stderr);
    assertStringIncludes(r.stdout, "server: listening on 127.0.0.1:");
    assertStringIncludes(r.stdout, 'client: received "evloop"');
    assertStringIncludes(r.stdout, "done: 3 messages echoed");
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

test("cli.ts demo --exclusive under deno runs the same demonstration", () => {
  const r = runtimes[0][1](["demo", "--exclusive"]);
  assertEquals(r.status, 0, r.stderr);
  assertStringIncludes(r.stdout, "exclusive mode");
  assertStringIncludes(r.stdout, "done: 3 messages echoed");
});

test("cli.ts with an unknown command exits 2 with the usage", () => {
  const r = runtimes[1][1](["frobnicate"]);
  assertEquals(r.status, 2);
  assertStringIncludes(r.stderr, 'Unknown command "frobnicate"');
});
