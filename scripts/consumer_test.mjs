#!/usr/bin/env node
// Consumer tests: evloop installed like any package. Builds the packages
// (npm run package), publishes them to a private Verdaccio registry on
// 127.0.0.1, then in fresh scratch projects, with a PATH that holds only
// node, npm, bun and deno (no CMake, no C compiler, no clone's build/):
//   1. bun add evloop           + bun run main.ts
//   2. npm install evloop       + deno run --allow-ffi main.ts (node_modules)
//   3. deno add npm:evloop      + deno run --allow-ffi main.ts (Deno's cache)
//   4. evloop's mod.ts by http URL (as from JSR) + deno run --allow-ffi:
//      the platform package comes through its npm: specifier
//   5. npm install evloop       + node main.ts (ESM) and node main.cjs
//      (require), with Node 26 from the repository's devDependencies;
//      a Node started with --no-experimental-ffi gets one clear error
// Each runs tests/consumer/main.ts (a pipe, a reader, a timer; a pty through
// the evloop/serial entry point; the evloop/inotify entry point imported)
// and checks its output and that the library came from @evloop/<this platform>; the
// npm-installed projects must hold that one platform package only.
//   node scripts/consumer_test.mjs [--keep]
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { root } from "./lib/platforms.mjs";

const keep = process.argv.includes("--keep");
const bin = (name) => join(root, "node_modules", ".bin", name);
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const platform = process.platform === "darwin"
  ? `darwin-${process.arch}`
  : `${process.platform}-${process.arch}-gnu`;
const work = mkdtempSync(join(tmpdir(), "evloop-consumer-"));
const timings = [];
let failures = 0;

function step(label, fn) {
  const t0 = Date.now();
  return Promise.resolve(fn()).then((v) => {
    timings.push([label, Date.now() - t0]);
    return v;
  });
}

/**
 * The Node the consumers get: the repository's Node 26 (npm's
 * node-<os>-<cpu>, with node:ffi), else this one.
 */
const node = existsSync(bin("node")) ? realpathSync(bin("node")) : process.execPath;
const nodeVersion = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
const nodeHasFfi = (() => {
  const [major, minor] = nodeVersion.replace(/^v/, "").split(".").map(Number);
  return major > 26 || (major === 26 && minor >= 1);
})();

/** A PATH with only node, npm, bun and deno: no cmake, cc, gcc, make. */
function cleanPath() {
  const dir = join(work, "bin");
  mkdirSync(dir, { recursive: true });
  const which = (name) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  for (
    const [name, target] of [
      ["node", node],
      ["npm", which("npm").stdout.trim()],
      ["bun", bin("bun")],
      ["deno", bin("deno")],
    ]
  ) {
    symlinkSync(target, join(dir, name));
  }
  return dir;
}

function run(cmd, args, cwd, env) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 300_000 });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, error: r.error };
}

/** run() without blocking this process (which serves the sources). */
function runAsync(cmd, args, cwd, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env });
    let out = "";
    child.stdout.on("data", (c) => out += c);
    child.stderr.on("data", (c) => out += c);
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

function check(label, cond, detail = "") {
  console.log(`${cond ? "ok" : "FAIL"} ${label}${cond || !detail ? "" : `\n${detail}`}`);
  if (!cond) failures++;
}

/** Runs and checks tests/consumer/main.ts's output. */
function checkProgram(label, r, libraryHint) {
  const ok = r.status === 0 && r.out.includes("timer on time, read hello");
  check(`${label}: the program ran (pipe, reader, timer)`, ok, r.out);
  check(
    // 115200: a rate termios names, set without termios2, which the
    // arm64 gate's qemu-user may not translate (scripts/ci/arm64.sh).
    `${label}: evloop/serial opened a pty and read through it at 115200 baud`,
    r.status === 0 && r.out.includes("serial ping at 115200 baud"),
    r.out,
  );
  check(
    `${label}: evloop/inotify was imported`,
    r.out.includes("inotify kinds movedFrom,movedTo"),
    r.out,
  );
  const lib = r.out.match(/^library (.*)$/m)?.[1] ?? "";
  check(
    `${label}: the library came from @evloop/${platform}`,
    lib.includes(libraryHint) && !lib.includes(`${root}/build`),
    `library: ${lib}\n${r.out}`,
  );
}

/** The @evloop/* packages npm placed in a project's node_modules. */
function installedPlatforms(project) {
  const dir = join(project, "node_modules", "@evloop");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

async function startVerdaccio() {
  const dir = join(work, "verdaccio");
  mkdirSync(dir, { recursive: true });
  // No uplink: nothing is fetched from or leaks to a public registry.
  writeFileSync(
    join(dir, "config.yaml"),
    [
      `storage: ${join(dir, "storage")}`,
      "auth:",
      "  htpasswd:",
      `    file: ${join(dir, "htpasswd")}`,
      "    max_users: -1",
      "packages:",
      "  '**':",
      "    access: $all",
      "    publish: $all",
      "log: { type: stdout, format: pretty, level: warn }",
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const child = spawn(process.execPath, [
    join(root, "node_modules", "verdaccio", "bin", "verdaccio"),
    "--config",
    join(dir, "config.yaml"),
    "--listen",
    `127.0.0.1:${port}`,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout.on("data", (chunk) => text += chunk);
  child.stderr.on("data", (chunk) => text += chunk);
  const url = `http://127.0.0.1:${port}/`;
  // Ready once it answers; an exit before that is a failure.
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited ${child.exitCode}:\n${text}`);
    try {
      const res = await fetch(`${url}-/ping`);
      if (res.ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`verdaccio did not answer on ${url} within 60 s:\n${text}`);
}

/** A port nothing listens on now (the kernel's pick for port 0). */
function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Serves the repository's sources over http on 127.0.0.1 (a JSR stand-in). */
function serveSources() {
  const types = { ".ts": "application/typescript", ".js": "text/javascript" };
  const server = createServer((req, res) => {
    const path = join(root, decodeURIComponent(new URL(req.url, "http://x").pathname));
    const allowed = ["mod.ts", "serial.ts", "inotify.ts", "src/", "ffi/"].some((p) =>
      path.startsWith(join(root, p))
    );
    if (!allowed || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": types[extname(path)] ?? "text/plain" });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

const started = Date.now();
let verdaccio;
let sources;
try {
  await step("npm run package", () => {
    const r = spawnSync("npm", ["run", "package"], { cwd: root, stdio: "inherit" });
    if (r.status !== 0) throw new Error("npm run package failed");
  });

  verdaccio = await step("start Verdaccio", startVerdaccio);
  const registry = verdaccio.url;
  const host = registry.replace(/^http:/, "");
  const npmrc = `registry=${registry}\n${host}:_authToken=consumer-test\n`;
  console.log(`registry: ${registry}`);

  await step("publish 5 packages", () => {
    const dir = join(work, "publisher");
    mkdirSync(dir);
    writeFileSync(join(dir, ".npmrc"), npmrc);
    const tarballs = readdirSync(join(root, "dist", "packages")).filter((f) => f.endsWith(".tgz"));
    for (const t of tarballs) {
      const r = run("npm", ["publish", join(root, "dist", "packages", t)], dir, {
        ...process.env,
        npm_config_userconfig: join(dir, ".npmrc"),
      });
      check(`npm publish ${t}`, r.status === 0, r.out);
    }
  });

  const path = cleanPath();
  const cacheHome = join(work, "home");
  mkdirSync(cacheHome);
  // Everything per test run: no cache from this machine's earlier installs.
  const env = {
    PATH: path,
    HOME: cacheHome,
    NO_COLOR: "1",
    DENO_DIR: join(work, "deno-dir"),
    BUN_INSTALL_CACHE_DIR: join(work, "bun-cache"),
    npm_config_cache: join(work, "npm-cache"),
    NPM_CONFIG_REGISTRY: registry,
  };
  check(
    "no cmake or cc on the consumers' PATH",
    !["cmake", "cc", "gcc", "clang"].some((c) =>
      spawnSync("sh", ["-c", `command -v ${c}`], { env }).status === 0
    ),
  );

  const project = (name) => {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, ".npmrc"), npmrc);
    cpSync(join(root, "tests", "consumer", "main.ts"), join(dir, "main.ts"));
    return dir;
  };

  // 1. Bun.
  await step("bun add evloop + bun run", () => {
    const dir = project("bun-app");
    writeFileSync(join(dir, "package.json"), '{ "name": "bun-app", "private": true }\n');
    const add = run("bun", ["add", "evloop"], dir, env);
    check("bun add evloop", add.status === 0, add.out);
    check(
      `bun installed only @evloop/${platform}`,
      JSON.stringify(installedPlatforms(dir)) === JSON.stringify([platform]),
      installedPlatforms(dir).join(", "),
    );
    checkProgram(
      "bun run main.ts",
      run("bun", ["run", "main.ts"], dir, env),
      `@evloop/${platform}`,
    );
  });

  // 2. npm install, then Deno over the node_modules directory.
  await step("npm install evloop + deno run", () => {
    const dir = project("npm-deno-app");
    writeFileSync(
      join(dir, "package.json"),
      '{ "name": "npm-deno-app", "private": true, "type": "module" }\n',
    );
    const add = run("npm", ["install", "--no-audit", "--no-fund", "evloop"], dir, env);
    check("npm install evloop", add.status === 0, add.out);
    check(
      `npm installed only @evloop/${platform}`,
      JSON.stringify(installedPlatforms(dir)) === JSON.stringify([platform]),
      installedPlatforms(dir).join(", "),
    );
    const pkg = JSON.parse(
      readFileSync(join(dir, "node_modules", "evloop", "package.json"), "utf8"),
    );
    check("evloop has no install script", !pkg.scripts, JSON.stringify(pkg.scripts));
    checkProgram(
      "deno run --allow-ffi main.ts (node_modules)",
      run("deno", ["run", "--allow-ffi", "main.ts"], dir, env),
      `@evloop/${platform}`,
    );
  });

  // 3. deno add npm:evloop: Deno's own npm install. A fresh publish is
  // younger than Deno's default minimum dependency age: lowered here.
  await step("deno add npm:evloop + deno run", () => {
    // What the README says: by default a fresh publish is held back.
    const young = project("deno-app-default-age");
    writeFileSync(join(young, "deno.json"), "{}\n");
    const held = run("deno", ["add", "npm:evloop"], young, env);
    check(
      "deno add npm:evloop of a fresh publish is refused by Deno's default minimum dependency age",
      held.status !== 0 && /minimum dependency age/i.test(held.out),
      held.out,
    );
    const dir = project("deno-app");
    writeFileSync(join(dir, "deno.json"), '{ "minimumDependencyAge": 0 }\n');
    const add = run("deno", ["add", "npm:evloop"], dir, env);
    check("deno add npm:evloop", add.status === 0, add.out);
    // Deno's cache: <DENO_DIR>/npm/<registry host>/@evloop/<platform>/
    // holds every platform's registry.json, but a <version>/ directory (the
    // unpacked package) only for what was installed.
    const hosts = readdirSync(join(env.DENO_DIR, "npm"));
    const cached = hosts.flatMap((h) => {
      const d = join(env.DENO_DIR, "npm", h, "@evloop");
      return existsSync(d) ? readdirSync(d).filter((p) => existsSync(join(d, p, version))) : [];
    }).sort();
    check(
      `deno installed only @evloop/${platform}`,
      JSON.stringify(cached) === JSON.stringify([platform]),
      cached.join(", "),
    );
    checkProgram(
      "deno run --allow-ffi main.ts (deno add)",
      run("deno", ["run", "--allow-ffi", "--min-dep-age=0", "main.ts"], dir, env),
      `@evloop/${platform}`,
    );
  });

  // 5. Node: the same package by import and by require.
  await step("npm install evloop + node", () => {
    if (!nodeHasFfi) {
      console.log(`skip node: ${nodeVersion} has no node:ffi (Node >= 26.1 needed)`);
      return;
    }
    const dir = project("npm-node-app");
    cpSync(join(root, "tests", "consumer", "main.cjs"), join(dir, "main.cjs"));
    writeFileSync(
      join(dir, "package.json"),
      '{ "name": "npm-node-app", "private": true, "type": "module" }\n',
    );
    const add = run("npm", ["install", "--no-audit", "--no-fund", "evloop"], dir, env);
    check("npm install evloop (for node)", add.status === 0, add.out);
    check(
      `npm installed only @evloop/${platform}`,
      JSON.stringify(installedPlatforms(dir)) === JSON.stringify([platform]),
      installedPlatforms(dir).join(", "),
    );
    checkProgram(
      `node main.ts (${nodeVersion}, import)`,
      run("node", ["main.ts"], dir, env),
      `@evloop/${platform}`,
    );
    checkProgram(
      `node main.cjs (${nodeVersion}, require)`,
      run("node", ["main.cjs"], dir, env),
      `@evloop/${platform}`,
    );
    const off = run("node", ["--no-experimental-ffi", "main.ts"], dir, env);
    check(
      "node --no-experimental-ffi main.ts: one error that says what is needed",
      off.status !== 0 && off.out.includes("Cannot load evloop: node:ffi is not enabled"),
      off.out,
    );
  });

  // 4. By URL, as JSR serves it: TypeScript sources, the platform package
  // through npm:@evloop/<platform>@<version>.
  sources = await step("serve the sources over http", serveSources);
  await step("deno run http://.../mod.ts", async () => {
    const dir = project("url-app");
    const base = `http://127.0.0.1:${sources.address().port}/`;
    writeFileSync(
      join(dir, "deno.json"),
      `{ "imports": { "evloop": "${base}mod.ts", "evloop/serial": "${base}serial.ts", ` +
        `"evloop/inotify": "${base}inotify.ts" } }\n`,
    );
    checkProgram(
      "deno run --allow-ffi main.ts (evloop by http URL)",
      await runAsync(
        "deno",
        [
          "run",
          "--allow-ffi",
          `--allow-import=127.0.0.1:${sources.address().port}`,
          "--min-dep-age=0",
          "main.ts",
        ],
        dir,
        env,
      ),
      // The exact version the source names (ffi/version.ts), from Deno's cache.
      `@evloop/${platform}/${version}/`,
    );
  });
} catch (error) {
  console.log(`FAIL ${error.stack ?? error}`);
  failures++;
} finally {
  verdaccio?.child.kill();
  sources?.close();
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

console.log("\nconsumer test timings:");
for (const [label, ms] of timings) {
  console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${label}`);
}
console.log(
  `consumer tests took ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
    `${failures === 0 ? "all passed" : `${failures} failed`}`,
);
process.exit(failures === 0 ? 0 : 1);
