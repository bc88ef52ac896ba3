#!/usr/bin/env node
// `npm run package`: the npm packages, as tarballs in dist/packages/.
// - evloop: JavaScript + .d.ts compiled by tsc from the same sources
//   (tsconfig.package.json; Deno refuses TypeScript under node_modules),
//   LICENSE, README; no install script; each platform package as an
//   exact-version optional dependency.
// - @evloop/<platform>: the prebuilt library from dist/prebuilds/ (made by
//   npm run prebuild when missing), os/cpu/libc fields so npm, Bun and Deno
//   install only the matching one, and index.js exporting the library path.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { platforms, prebuildDir, root } from "./lib/platforms.mjs";
import { checkPrebuilds } from "./check_prebuilds.mjs";

const stage = join(root, "dist", "stage");
const packagesDir = join(root, "dist", "packages");
const bin = (name) => join(root, "node_modules", ".bin", name);

function must(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(" ")} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
  return r;
}

const repo = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const version = repo.version;
const versionTs = readFileSync(join(root, "ffi", "version.ts"), "utf8");
if (!versionTs.includes(`VERSION = "${version}"`)) {
  console.error(`ffi/version.ts does not say ${version} (package.json): keep them equal`);
  process.exit(1);
}

const common = {
  version,
  license: "MIT",
  description: "An event loop for Deno, Bun and Node that watches raw file descriptors " +
    "(epoll/kqueue through a small C shim over FFI)",
  keywords: ["event-loop", "epoll", "kqueue", "ffi", "deno", "bun", "node", "file-descriptor"],
};

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function pack(dir) {
  const r = must("npm", ["pack", "--silent", "--pack-destination", packagesDir], {
    cwd: dir,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  const file = r.stdout.trim().split("\n").at(-1);
  console.log(`package: dist/packages/${file}`);
  return file;
}

/** Newest modification time under `dir` (files only). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

// Rebuilt when missing or older than the shim's sources; checked either way.
const sources = Math.max(
  newest(join(root, "csrc")),
  newest(join(root, "cmake")),
  statSync(join(root, "CMakeLists.txt")).mtimeMs,
);
const stale = platforms.filter((p) => {
  const lib = join(prebuildDir, p.name, p.file);
  return !existsSync(lib) || statSync(lib).mtimeMs < sources;
});
if (stale.length) {
  console.log(`package: prebuilt libraries missing or stale: npm run prebuild ...`);
  must(process.execPath, [join(root, "scripts", "prebuild.mjs")]);
} else if (!checkPrebuilds(platforms)) {
  console.error("package: the prebuilt libraries failed their checks");
  process.exit(1);
}

rmSync(stage, { recursive: true, force: true });
rmSync(packagesDir, { recursive: true, force: true });
mkdirSync(packagesDir, { recursive: true });

// One package per platform.
for (const p of platforms) {
  const dir = join(stage, `evloop-${p.name}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(prebuildDir, p.name, p.file), join(dir, p.file));
  copyFileSync(join(root, "LICENSE"), join(dir, "LICENSE"));
  writeFileSync(
    join(dir, "index.js"),
    `// The prebuilt evloop shim for ${p.name}: evloop's loader imports this.\n` +
      `/** Absolute path of ${p.file} in this package. */\n` +
      `export const path = decodeURIComponent(new URL("./${p.file}", import.meta.url).pathname);\n`,
  );
  writeFileSync(
    join(dir, "index.d.ts"),
    `/** Absolute path of ${p.file} in this package. */\nexport declare const path: string;\n`,
  );
  writeFileSync(
    join(dir, "README.md"),
    `# @evloop/${p.name}\n\nThe prebuilt C shim of [evloop](https://www.npmjs.com/package/evloop) ` +
      `for ${p.name} (${p.zig}). Installed by \`evloop\` as an optional dependency on ` +
      `matching systems; not meant to be used directly.\n`,
  );
  writeJson(join(dir, "package.json"), {
    name: `@evloop/${p.name}`,
    ...common,
    description: `The prebuilt evloop shim for ${p.name}`,
    type: "module",
    os: [p.os],
    cpu: [p.cpu],
    ...(p.libc ? { libc: [p.libc] } : {}),
    exports: { ".": { types: "./index.d.ts", default: "./index.js" } },
    files: ["index.js", "index.d.ts", p.file, "LICENSE", "README.md"],
    // Bun and Yarn keep the library as a real file on disk (dlopen needs one).
    preferUnplugged: true,
  });
  pack(dir);
}

// The main package: compiled JavaScript and declarations.
const main = join(stage, "evloop");
must(bin("tsc"), ["-p", "tsconfig.package.json", "--outDir", main]);
copyFileSync(join(root, "LICENSE"), join(main, "LICENSE"));
copyFileSync(join(root, "README.md"), join(main, "README.md"));
// The npm package is never loaded by URL, the one case that imports its
// platform package ahead with a top-level await (ffi/url_package.ts): its
// copy does without, so that the package's module graph has no top-level
// await and Node's require("evloop") loads it (ERR_REQUIRE_ASYNC_MODULE).
const urlPackage = join(main, "ffi", "url_package.js");
if (!readFileSync(urlPackage, "utf8").includes("export const urlPackage = await")) {
  console.error("package: ffi/url_package.js no longer looks as expected: update package.mjs");
  process.exit(1);
}
writeFileSync(
  urlPackage,
  "// The npm package is never loaded by URL (ffi/url_package.ts, scripts/package.mjs).\n" +
    "export const urlPackage = undefined;\n",
);
const compiled = readdirSync(main);
writeJson(join(main, "package.json"), {
  name: "evloop",
  ...common,
  type: "module",
  main: "./mod.js",
  types: "./mod.d.ts",
  exports: {
    ".": { types: "./mod.d.ts", default: "./mod.js" },
    "./serial": { types: "./serial.d.ts", default: "./serial.js" },
    "./inotify": { types: "./inotify.d.ts", default: "./inotify.js" },
    "./package.json": "./package.json",
  },
  files: [
    "mod.js",
    "mod.d.ts",
    "serial.js",
    "serial.d.ts",
    "inotify.js",
    "inotify.d.ts",
    "src/",
    "ffi/",
    "LICENSE",
    "README.md",
  ],
  // Node: node:ffi (26.1 with --experimental-ffi, on by default from 26.9).
  engines: { deno: ">=2.0", bun: ">=1.1", node: ">=26.1" },
  optionalDependencies: Object.fromEntries(
    platforms.map((p) => [`@evloop/${p.name}`, version]),
  ),
});
const entries = ["mod.js", "mod.d.ts", "serial.js", "serial.d.ts", "inotify.js", "inotify.d.ts"];
if (!entries.every((file) => compiled.includes(file))) {
  console.error(`package: tsc did not write ${entries.join(", ")}`);
  process.exit(1);
}
pack(main);
console.log(`package: ${platforms.length + 1} tarballs in dist/packages/`);
