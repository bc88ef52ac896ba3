#!/usr/bin/env node
// Checks the prebuilt libraries in dist/prebuilds/ (npm run prebuild calls
// it; `node scripts/check_prebuilds.mjs [platform ...]` runs it alone):
// - file format: ELF/Mach-O, 64-bit, the right machine, a shared library;
//   Mach-O: minimum macOS 11, install name @rpath/libevloop.dylib
// - stripped: no symbol table / debug sections
// - the exported el_* set equals ffi/symbols.ts, and no internal helper of
//   the shim is exported
// - Linux: no glibc symbol version above 2.17; needed libraries only libc,
//   libm, libpthread, libdl
// - macOS: needs only libSystem, imports no Linux-only symbol
// - runs tests/c/smoke.c against each library this machine can run:
//   natively, or under qemu user-mode emulation when installed.
// Reads the binaries with LLVM's tools (llvm-nm, llvm-objdump, llvm-readobj),
// which understand both formats.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { platforms, prebuildDir, root, zigPath } from "./lib/platforms.mjs";

const GLIBC_MAX = [2, 17];
const ELF_NEEDED = /^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|ld-linux.*)$/;
const MACHO_NEEDED = /^\/usr\/lib\/libSystem\.B\.dylib$/;
// Functions only Linux has (or only glibc names so): any of them in a
// Mach-O means a Linux path was compiled in.
const LINUX_ONLY =
  /^(epoll_\w+|eventfd\w*|timerfd_\w+|signalfd\w*|inotify_\w+|accept4|pipe2|dup3|__errno_location|sched_getcpu|gettid|prctl)$/;
// What Node's process.dlopen needs to load the shim as an N-API module.
const NODE_ENTRIES = ["napi_register_module_v1", "node_api_module_get_api_version_v1"];
// The shim's own internal helpers (hidden visibility keeps them in).
const INTERNAL = /^(backend_|loop_|sock_|signal_loop|node_loop|inbox_(init|free)|now_ms$|fd_)/;

/** The el_* names of ffi/symbols.ts, the table both bindings open. */
export function expectedSymbols() {
  const text = readFileSync(join(root, "ffi", "symbols.ts"), "utf8");
  return [...text.matchAll(/^\s{2}(el_\w+): \{/gm)].map((m) => m[1]).sort();
}

/** Finds an LLVM tool: llvm-nm, else the newest llvm-nm-NN on PATH. */
function llvm(name) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!existsSync(dir)) continue;
    const versioned = readdirSync(dir).filter((f) => f.startsWith(`${name}-`)).sort().reverse();
    if (versioned.length) return join(dir, versioned[0]);
  }
  throw new Error(`${name} not found: install LLVM (apt-get install llvm)`);
}

function out(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function lines(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean);
}

/** Checks the header bytes: the format `file` would print, read directly. */
function checkFormat(p, bytes, fail) {
  const f = p.format;
  if (f.kind === "elf") {
    const magic = bytes.subarray(0, 4).toString("latin1") === "\x7fELF";
    const is64 = bytes[4] === 2;
    const type = bytes.readUInt16LE(16);
    const machine = bytes.readUInt16LE(18);
    if (!magic || !is64 || type !== 3 || machine !== f.machine) {
      fail(
        `not a 64-bit ELF shared object for machine ${f.machine} (type ${type}, ` +
          `machine ${machine})`,
      );
    }
  } else {
    const magic = bytes.readUInt32LE(0);
    const cputype = bytes.readUInt32LE(4);
    const filetype = bytes.readUInt32LE(12);
    if (magic !== 0xfeedfacf || cputype !== f.cputype || filetype !== 6) {
      fail(
        `not a 64-bit Mach-O dylib for cputype ${f.cputype.toString(16)} (magic ` +
          `${magic.toString(16)}, cputype ${cputype.toString(16)}, filetype ${filetype})`,
      );
    }
  }
}

function versionTuple(v) {
  return v.split(".").map(Number);
}

function compareVersions(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Checks one library; returns its figures, failures pushed to `failures`. */
function checkOne(p, expected) {
  const path = join(prebuildDir, p.name, p.file);
  const failures = [];
  const fail = (msg) => failures.push(msg);
  const figures = { platform: p.name, path };
  if (!existsSync(path)) {
    fail(`missing ${path}: run npm run prebuild`);
    return { figures, failures };
  }
  const bytes = readFileSync(path);
  figures.size = statSync(path).size;
  checkFormat(p, bytes, fail);
  const fileCmd = spawnSync("file", ["-b", path], { encoding: "utf8" });
  figures.file = fileCmd.status === 0 ? fileCmd.stdout.trim() : p.format.label;

  const nm = llvm("llvm-nm");
  const objdump = llvm("llvm-objdump");
  const sections = out(objdump, ["--section-headers", path]);
  if (/\s(\.symtab|\.debug_\w+|__debug_\w+)\s/.test(sections)) {
    fail("not stripped: symbol table or debug sections present");
  }

  let exported;
  let imported;
  if (p.format.kind === "elf") {
    exported = lines(out(nm, ["-D", "--defined-only", "--format=just-symbols", path]));
    imported = lines(out(nm, ["-D", "--undefined-only", "--format=just-symbols", path]))
      .map((s) => s.replace(/@.*/, ""));
    const versions = [...out(objdump, ["-T", path]).matchAll(/GLIBC_([0-9.]+)/g)]
      .map((m) => m[1]);
    const max = versions.map(versionTuple).sort(compareVersions).at(-1) ?? [0];
    figures.glibcMax = max.join(".");
    if (compareVersions(max, GLIBC_MAX) > 0) {
      fail(`needs GLIBC_${figures.glibcMax}, more than GLIBC_${GLIBC_MAX.join(".")}`);
    }
    const needed = [
      ...out(llvm("llvm-readobj"), ["--needed-libs", path])
        .matchAll(/^\s+(\S+\.so[.\d]*)$/gm),
    ].map((m) => m[1]);
    figures.needed = needed;
    for (const lib of needed) if (!ELF_NEEDED.test(lib)) fail(`needs ${lib}`);
  } else {
    exported = lines(out(nm, ["-gU", "--format=just-symbols", path]))
      .map((s) => s.replace(/^_/, ""));
    imported = lines(out(nm, ["-u", "--format=just-symbols", path]))
      .map((s) => s.replace(/^_/, ""));
    const headers = out(objdump, ["--macho", "--private-headers", path]);
    const minos = headers.match(/\bminos (\S+)/) ?? headers.match(/\bversion (\S+)/);
    figures.minMacos = minos?.[1];
    if (figures.minMacos !== "11.0") fail(`minimum macOS ${figures.minMacos}, not 11.0`);
    const id = lines(out(objdump, ["--macho", "--dylib-id", path]))[1];
    figures.installName = id;
    if (id !== "@rpath/libevloop.dylib") fail(`install name ${id}, not @rpath/libevloop.dylib`);
    // --dylibs-used lists the library's own id too (LC_ID_DYLIB).
    const needed = lines(out(objdump, ["--macho", "--dylibs-used", path])).slice(1)
      .map((l) => l.replace(/ \(.*\)$/, "")).filter((l) => l !== id);
    figures.needed = needed;
    for (const lib of needed) if (!MACHO_NEEDED.test(lib)) fail(`needs ${lib}`);
    const linuxOnly = imported.filter((s) => LINUX_ONLY.test(s));
    if (linuxOnly.length) fail(`imports Linux-only symbols: ${linuxOnly.join(", ")}`);
  }

  const el = exported.filter((s) => s.startsWith("el_")).sort();
  figures.elExports = el.length;
  figures.otherExports = exported.length - el.length - NODE_ENTRIES.length -
    exported.filter((s) => INTERNAL.test(s)).length;
  figures.imports = imported.length;
  const missing = expected.filter((s) => !el.includes(s));
  const extra = el.filter((s) => !expected.includes(s));
  if (missing.length) fail(`does not export ${missing.join(", ")}`);
  if (extra.length) fail(`exports el_* not in ffi/symbols.ts: ${extra.join(", ")}`);
  // The N-API module entry points Node's process.dlopen looks for
  // (csrc/node.c): exported beside el_*, and nothing else is.
  const missingNode = NODE_ENTRIES.filter((s) => !exported.includes(s));
  if (missingNode.length) fail(`does not export ${missingNode.join(", ")}`);
  // ELF: csrc/exports.map keeps everything but el_* local.
  const others = exported.filter((s) => !s.startsWith("el_") && !NODE_ENTRIES.includes(s));
  if (p.format.kind === "elf" && others.length) {
    fail(`exports more than el_*: ${others.join(", ")}`);
  }
  const leaked = exported.filter((s) => INTERNAL.test(s));
  if (leaked.length && p.format.kind === "elf") {
    fail(`exports internal helpers: ${leaked.join(", ")}`);
  } else if (leaked.length) {
    // zig 0.11's Mach-O linker exports "private external" (hidden)
    // symbols, and has no -exported_symbols_list nor LTO to hide them.
    // Harmless under macOS's two-level namespace: calls inside the image
    // are bound at link time, and no other image binds to evloop by name.
    figures.note = `also exports ${leaked.length} hidden helpers (zig 0.11 Mach-O linker)`;
  }
  return { figures, failures };
}

/** How this machine can run a binary for `p`, or undefined. */
function runner(p) {
  if (p.os === "linux" && p.cpu === process.arch && process.platform === "linux") return [];
  if (!p.qemu) return undefined;
  const found = spawnSync("sh", ["-c", `command -v ${p.qemu.binary}`], { encoding: "utf8" });
  if (found.status !== 0 || !existsSync(p.qemu.sysroot)) return undefined;
  return [found.stdout.trim(), "-L", p.qemu.sysroot];
}

/** Builds tests/c/smoke.c for `p` with zig and runs it on the library. */
function smoke(p) {
  const run = runner(p);
  if (run === undefined) {
    return {
      ran: false,
      note: p.qemu
        ? `not run: needs ${p.qemu.binary} and ${p.qemu.sysroot} ` +
          "(apt-get install qemu-user libc6-arm64-cross)"
        : "not run: cannot run here",
    };
  }
  const dir = join(root, "build-prebuild", "smoke");
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, `smoke-${p.name}`);
  const cc = spawnSync(zigPath(), [
    "cc",
    "-target",
    p.zig,
    "-Wall",
    "-Wextra",
    "-Werror",
    "-O2",
    "-o",
    exe,
    join(root, "tests", "c", "smoke.c"),
    "-ldl",
  ], { encoding: "utf8" });
  if (cc.status !== 0) return { ran: true, ok: false, note: `smoke.c: ${cc.stderr}` };
  const lib = join(prebuildDir, p.name, p.file);
  const [cmd, ...pre] = run.length ? run : [exe];
  const args = run.length ? [...pre, exe, lib] : [lib];
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  const text = `${r.stdout}${r.stderr}`.trim();
  const how = run.length ? `under ${run[0].split("/").pop()}` : "natively";
  return { ran: true, ok: r.status === 0, note: `${how}: ${text}` };
}

/** Checks `chosen` platforms; prints a table; returns whether all passed. */
export function checkPrebuilds(chosen = platforms) {
  const expected = expectedSymbols();
  let ok = true;
  console.log(`\ncheck: ffi/symbols.ts declares ${expected.length} el_* functions`);
  for (const p of chosen) {
    const { figures: f, failures } = checkOne(p, expected);
    if (!failures.length) {
      const s = smoke(p);
      f.smoke = s.note;
      if (s.ran && !s.ok) failures.push(`smoke test failed ${s.note}`);
    }
    const tag = failures.length ? "FAIL" : "ok";
    console.log(`\n${tag} ${p.name}: ${f.file ?? ""}`);
    if (f.size !== undefined) {
      console.log(
        `  size ${f.size} bytes; exports ${f.elExports} el_* (+${f.otherExports} ` +
          `from zig's C runtime); imports ${f.imports}`,
      );
      console.log(`  needs ${f.needed?.join(", ")}`);
      if (f.glibcMax) console.log(`  max GLIBC_${f.glibcMax}`);
      if (f.minMacos) console.log(`  minimum macOS ${f.minMacos}; install name ${f.installName}`);
      if (f.note) console.log(`  note: ${f.note}`);
      if (f.smoke) console.log(`  smoke ${f.smoke}`);
    }
    for (const msg of failures) console.log(`  FAIL ${msg}`);
    ok &&= failures.length === 0;
  }
  console.log(`\ncheck: ${ok ? "all prebuilt libraries passed" : "FAILED"}`);
  return ok;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  process.exit(
    checkPrebuilds(wanted.length ? platforms.filter((p) => wanted.includes(p.name)) : platforms)
      ? 0
      : 1,
  );
}
