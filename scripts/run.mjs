#!/usr/bin/env node
// The one entry behind `npm test`, `npm start`, `npm run build` and
// `npm run bench`: installs Deno, Bun and Node 26 from npm when missing,
// builds the shim with CMake (which knows what changed), then runs the
// suite (or the demo, or the benchmarks) under each runtime.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const libName = process.platform === "darwin" ? "libevloop.dylib" : "libevloop.so";

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.error) throw r.error;
  return r;
}

function must(cmd, args, opts) {
  const r = run(cmd, args, opts);
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(" ")} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

/** Where npm has a Node 26 package (package.json optionalDependencies). */
const NODE_PACKAGED = ["linux-x64", "linux-arm64", "darwin-x64"].includes(
  `${process.platform}-${process.arch}`,
);

/** [major, minor] of a Node version string ("v26.12.1"). */
function nodeVersion(text) {
  const [major, minor] = text.replace(/^v/, "").split(".").map(Number);
  return [major, minor];
}

/**
 * The Node that runs the suite: npm's Node 26 where there is one, else
 * this Node if it has node:ffi (26.1 and later); undefined when neither.
 */
function nodeRuntime() {
  if (existsSync(bin("node"))) return bin("node");
  const [major, minor] = nodeVersion(process.version);
  return major > 26 || (major === 26 && minor >= 1) ? process.execPath : undefined;
}

function ensureRuntimes() {
  const needed = ["deno", "bun", "tsc", ...(NODE_PACKAGED ? ["node"] : [])];
  const ok = needed.every((n) => existsSync(bin(n)));
  const works = ok && spawnSync(bin("bun"), ["--version"]).status === 0 &&
    spawnSync(bin("deno"), ["--version"]).status === 0;
  if (!works) {
    console.log("evloop: installing Deno, Bun, Node and TypeScript from npm ...");
    must("npm", ["install", "--no-audit", "--no-fund"]);
  }
}

/**
 * Builds build/ (or another dir): configured once (its CMake cache keeps
 * the options, e.g. build-kqueue/'s backend), then `cmake --build` every
 * time, which rebuilds only what changed.
 */
export function build(dir = "build", extra = []) {
  if (!existsSync(join(root, dir, "CMakeCache.txt"))) {
    console.log(`evloop: configuring the shim in ${dir}/ ...`);
    must("cmake", ["-S", ".", "-B", dir, "-DCMAKE_BUILD_TYPE=Release", ...extra], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  must("cmake", ["--build", dir, "--parallel", "2"], { stdio: ["ignore", "ignore", "inherit"] });
  return join(root, dir, libName);
}

/** Whether libkqueue (headers and library) is installed, as CMake finds it. */
function hasLibkqueue() {
  const pc = spawnSync("pkg-config", ["--exists", "libkqueue"]);
  if (!pc.error) return pc.status === 0;
  return ["/usr/include", "/usr/local/include"].some((p) =>
    existsSync(join(p, "kqueue", "sys", "event.h"))
  );
}

/** A whole runtime's suite may not take longer than this (a safety net). */
const SUITE_LIMIT_MS = 15 * 60 * 1000;

/**
 * Runs a command, streaming its output as it comes, and resolves with what
 * it printed. Past SUITE_LIMIT_MS it is killed and reported: a hung test
 * must fail the run, never hang CI.
 */
function capture(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks = [];
    const take = (chunk) => {
      chunks.push(chunk);
      process.stdout.write(chunk);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(
        `\nevloop: ${cmd} ${args.join(" ")} ran past ${SUITE_LIMIT_MS / 60000} minutes: killed`,
      );
      child.kill("SIGKILL");
    }, SUITE_LIMIT_MS);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({
        status: timedOut ? null : status,
        signal: timedOut ? "SIGKILL (past the time limit)" : signal,
        out: Buffer.concat(chunks).toString("utf8"),
      });
    });
  });
}

// The counts are read from each runner's summary for the closing line; a
// run passes or fails by its exit status.
function countDeno(out) {
  const m = out.match(/(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/);
  return m ? { passed: +m[1], failed: +m[2] } : { passed: 0, failed: 0 };
}

function countBun(out) {
  const p = out.match(/^\s*(\d+) pass$/m);
  const f = out.match(/^\s*(\d+) fail$/m);
  return { passed: p ? +p[1] : 0, failed: f ? +f[1] : 0 };
}

function countNode(out) {
  const p = out.match(/^\S* ?pass (\d+)$/m);
  const f = out.match(/^\S* ?fail (\d+)$/m);
  return { passed: p ? +p[1] : 0, failed: f ? +f[1] : 0 };
}

/** The suite's files for node --test (Deno and Bun find them alike). */
function testFiles(dir = join(root, "tests")) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return e.name.endsWith("_test.ts") ? [path] : [];
  }).sort();
}

/** What every Node process of the suite loads first (tests/_node_setup.ts). */
const NODE_SETUP = join(root, "tests", "_node_setup.ts");

function judged(runner, run, counts) {
  const ok = run.status === 0;
  if (!ok && counts.failed === 0) {
    const how = run.status ?? `killed by ${run.signal ?? "a signal"}`;
    console.log(`evloop: ${runner} exited ${how} with no failed test counted`);
    return { ...counts, ok, failed: 1 };
  }
  return { ...counts, ok };
}

async function suite(label, env = {}) {
  console.log(`\n=== ${label}: Deno ===`);
  const d = await capture(bin("deno"), ["test", "-A", "--no-check", "tests/"], env);
  const deno = judged("deno", d, countDeno(d.out));
  console.log(`\n=== ${label}: Bun ===`);
  const b = await capture(bin("bun"), ["test", "--timeout", "60000", "./tests/"], env);
  const bun = judged("bun", b, countBun(b.out));
  const node = nodeRuntime();
  if (node === undefined) {
    console.log(
      `\n=== ${label}: Node: skipped (no Node 26 package for ` +
        `${process.platform}-${process.arch} on npm, and this Node ${process.version} has no ` +
        "node:ffi) ===",
    );
    return [deno, bun];
  }
  console.log(`\n=== ${label}: Node ===`);
  // Every file in one process, one after the other, as bun test runs
  // them (each file's leak gate keeps its own ledger): a process per file
  // costs about a second each here (node:ffi, type stripping), and made
  // the Node run 4.5 minutes instead of 2.5. The setup gives Node the
  // import map and Web Workers.
  const n = await capture(node, [
    "--import",
    NODE_SETUP,
    "--test",
    "--test-isolation=none",
    "--test-reporter=spec",
    ...testFiles(),
  ], env);
  return [deno, bun, judged("node", n, countNode(n.out))];
}

const command = process.argv[2] ?? "test";
const rest = process.argv.slice(3);
const started = Date.now();

if (command === "build") {
  ensureRuntimes();
  build();
} else if (command === "tsc") {
  ensureRuntimes();
  must(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]);
} else if (command === "start") {
  ensureRuntimes();
  build();
  // -A: the tour opens /dev/pts, /dev/net/tun, /proc and /sys files, which
  // Deno opens only with --allow-all (README, "Permissions").
  must(bin("deno"), ["run", "-A", "cli.ts", "demo", ...rest]);
} else if (command === "bench") {
  ensureRuntimes();
  build();
  must(bin("deno"), ["run", "-A", "bench/main.ts", ...rest]);
} else if (command === "ok") {
  // The quality gate: lint, format, both type checks, doc examples, tests.
  ensureRuntimes();
  build();
  const deno = bin("deno");
  must(deno, ["lint"]);
  must(deno, ["fmt", "--check"]);
  must(deno, [
    "check",
    "mod.ts",
    "serial.ts",
    "inotify.ts",
    "cli.ts",
    "ffi/",
    "tests/",
    "examples/",
    "bench/",
  ]);
  must(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]);
  const pages = readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) =>
    `docs/${f}`
  );
  const entries = ["mod.ts", "serial.ts", "inotify.ts"];
  must(deno, ["test", "--doc", "-A", ...entries, "src/", "README.md", ...pages]);
  // What JSR checks: the public API documented and explicitly typed.
  must(deno, ["doc", "--lint", ...entries]);
  must(process.execPath, [join(root, "scripts", "run.mjs"), "test"]);
} else if (command === "test") {
  ensureRuntimes();
  build();
  const native = ["linux", "android"].includes(process.platform) ? "epoll" : "kqueue";
  const results = [...(await suite(`${native} backend`))];
  // On Linux the suite runs a second time against the kqueue backend built
  // over libkqueue, when it is installed (CI machines usually lack it).
  if (native === "epoll") {
    if (hasLibkqueue()) {
      const lib = build("build-kqueue", ["-DEVLOOP_BACKEND=kqueue"]);
      results.push(...(await suite("kqueue backend (libkqueue)", { EVLOOP_LIB: lib })));
    } else {
      console.log("\nkqueue backend: skipped (libkqueue not installed)");
    }
  }
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  console.log(`\nevloop: suite took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
} else {
  console.error(`Unknown command "${command}": use test, start, build, bench or tsc`);
  process.exit(2);
}
