// inotify: watch a directory while 1,000 files are created, modified,
// renamed and deleted, then the directory itself is removed. Every record
// is parsed, renames are paired by cookie, and IN_IGNORED comes last.
//   deno run --allow-ffi --allow-read --allow-write --allow-env examples/inotify.ts   |   bun examples/inotify.ts
import { EventLoop, type EventLoopOptions, fd, NativeLibrary } from "../mod.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const IN_MODIFY = 0x002;
const IN_MOVED_FROM = 0x040;
const IN_MOVED_TO = 0x080;
const IN_CREATE = 0x100;
const IN_DELETE = 0x200;
const IN_DELETE_SELF = 0x400;
const IN_Q_OVERFLOW = 0x4000;
const IN_IGNORED = 0x8000;
const IN_NONBLOCK = 0o4000;
const IN_CLOEXEC = 0o2000000;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_APPEND = 0o2000;
const O_CLOEXEC = 0o2000000;

/** One parsed `struct inotify_event`. */
export interface InotifyRecord {
  wd: number;
  mask: number;
  cookie: number;
  name: string;
}

/** What the run saw. */
export interface InotifyReport {
  files: number;
  records: number;
  /** Reads of the inotify fd (several records each). */
  reads: number;
  /** Rename pairs matched by cookie. */
  renames: number;
}

const NAMES: [number, string][] = [
  [IN_CREATE, "CREATE"],
  [IN_MODIFY, "MODIFY"],
  [IN_MOVED_FROM, "MOVED_FROM"],
  [IN_MOVED_TO, "MOVED_TO"],
  [IN_DELETE, "DELETE"],
  [IN_DELETE_SELF, "DELETE_SELF"],
  [IN_IGNORED, "IGNORED"],
];

/** The names of the bits of `mask`: "CREATE", "MOVED_FROM", ... */
export function kind(mask: number): string {
  const names = NAMES.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => name);
  return names.join("|") || `0x${mask.toString(16)}`;
}

/**
 * Parses the records in `buf[0, n)`: `int wd; uint32_t mask, cookie, len;
 * char name[len]` (NUL-padded), back to back.
 */
export function parseRecords(buf: Uint8Array, n: number): InotifyRecord[] {
  const view = new DataView(buf.buffer, buf.byteOffset, n);
  const out: InotifyRecord[] = [];
  for (let at = 0; at < n;) {
    const len = view.getUint32(at + 12, true);
    const raw = buf.subarray(at + 16, at + 16 + len);
    const end = raw.indexOf(0);
    out.push({
      wd: view.getInt32(at, true),
      mask: view.getUint32(at + 4, true),
      cookie: view.getUint32(at + 8, true),
      name: new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end)),
    });
    at += 16 + len;
  }
  return out;
}

/** How to run: the loop's mode, and who hears each read (the demo's tour). */
export interface InotifyOptions {
  mode?: EventLoopOptions["mode"];
  /** Called with the directory watched, before anything happens in it. */
  onWatch?: (dir: string) => void;
  /** Called with the records of each read of the inotify fd, as they arrive. */
  onRead?: (records: InotifyRecord[]) => void;
}

/**
 * Creates, modifies, renames and deletes `count` files in a new temporary
 * directory, one phase per loop iteration, then removes the directory.
 * Checks the exact records of every file.
 */
export async function runInotify(
  count: number,
  options: InotifyOptions = {},
): Promise<InotifyReport> {
  using libc = NativeLibrary.open("libc.so.6", {
    inotify_init1: { parameters: ["i32"], result: "i32", errno: true },
    inotify_add_watch: { parameters: ["i32", "cstring", "u32"], result: "i32", errno: true },
    open: { parameters: ["cstring", "i32", "u32"], result: "i32", errno: true },
    write: { parameters: ["i32", "buffer", "usize"], result: "isize", errno: true },
    close: { parameters: ["i32"], result: "i32" },
    rename: { parameters: ["cstring", "cstring"], result: "i32", errno: true },
    unlink: { parameters: ["cstring"], result: "i32", errno: true },
    rmdir: { parameters: ["cstring"], result: "i32", errno: true },
  });
  const c = libc.symbols;
  const must = (result: number, what: string) => {
    if (result < 0) throw new Error(`${what} failed: errno ${libc.errno}`);
    return result;
  };
  const dir = mkdtempSync(join(tmpdir(), "evloop-inotify-"));
  const ino = must(c.inotify_init1(IN_NONBLOCK | IN_CLOEXEC), "inotify_init1");
  const mask = IN_CREATE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF;
  const wd = must(c.inotify_add_watch(ino, dir, mask), "inotify_add_watch");
  options.onWatch?.(dir);

  const writeFile = (path: string, flags: number, text: string) => {
    const file = must(c.open(path, O_WRONLY | O_CLOEXEC | flags, 0o644), `open ${path}`);
    const data = new TextEncoder().encode(text);
    must(c.write(file, data, data.length), `write ${path}`);
    c.close(file);
  };
  const name = (prefix: string, i: number) => `${prefix}${String(i).padStart(4, "0")}`;
  const phases: (() => void)[] = [
    () => {
      for (let i = 0; i < count; i++) writeFile(join(dir, name("a", i)), O_CREAT, "created\n");
    },
    () => {
      for (let i = 0; i < count; i++) writeFile(join(dir, name("a", i)), O_APPEND, "more\n");
    },
    () => {
      for (let i = 0; i < count; i++) {
        must(c.rename(join(dir, name("a", i)), join(dir, name("b", i))), "rename");
      }
    },
    () => {
      for (let i = 0; i < count; i++) must(c.unlink(join(dir, name("b", i))), "unlink");
    },
    () => must(c.rmdir(dir), "rmdir"),
  ];

  const records: InotifyRecord[] = [];
  const buf = new Uint8Array(64 * 1024);
  let reads = 0;
  using loop = new EventLoop({ mode: options.mode });
  loop.addReader(ino, () => {
    const n = fd.read(ino, buf);
    if (n === null) return; // spurious wake-up
    reads++;
    const read = parseRecords(buf, n);
    options.onRead?.(read);
    for (const record of read) {
      if (record.mask & IN_Q_OVERFLOW) throw new Error("the inotify queue overflowed");
      records.push(record);
      if (record.mask & IN_IGNORED) loop.removeReader(ino); // the watch is gone
    }
  });
  // One phase per iteration: the reader drains between them.
  const next = () => {
    phases.shift()!();
    if (phases.length > 0) loop.callSoon(next);
  };
  loop.callSoon(next);
  await loop.run();
  fd.close(ino);

  return { files: count, records: records.length, reads, renames: check(records, wd, count) };
}

/** Checks every record; returns the number of rename pairs matched. */
function check(records: InotifyRecord[], wd: number, count: number): number {
  const fail = (what: string): never => {
    throw new Error(`inotify: ${what}`);
  };
  const byFile = new Map<string, string[]>();
  const fromCookie = new Map<number, string>();
  let renames = 0;
  for (const [i, r] of records.entries()) {
    if (r.wd !== wd) fail(`record ${i} has wd ${r.wd}, expected ${wd}`);
    if (r.mask & (IN_DELETE_SELF | IN_IGNORED)) continue;
    if (r.mask & IN_MOVED_FROM) {
      if (fromCookie.has(r.cookie)) fail(`cookie ${r.cookie} used twice`);
      fromCookie.set(r.cookie, r.name);
    } else if (r.mask & IN_MOVED_TO) {
      const from = fromCookie.get(r.cookie) ?? fail(`MOVED_TO ${r.name} without its MOVED_FROM`);
      if (from.slice(1) !== r.name.slice(1)) {
        fail(`cookie ${r.cookie} pairs ${from} with ${r.name}`);
      }
      fromCookie.delete(r.cookie);
      renames++;
    }
    const key = r.name.slice(1);
    byFile.set(key, [...(byFile.get(key) ?? []), `${kind(r.mask)} ${r.name[0]}`]);
  }
  if (fromCookie.size > 0) fail(`${fromCookie.size} MOVED_FROM without a MOVED_TO`);
  if (byFile.size !== count) fail(`records for ${byFile.size} files, expected ${count}`);
  const expected = "CREATE a,MODIFY a,MODIFY a,MOVED_FROM a,MOVED_TO b,DELETE b";
  for (const [file, seen] of byFile) {
    if (seen.join(",") !== expected) fail(`file ${file}: ${seen.join(",")}, expected ${expected}`);
  }
  const tail = records.slice(-2).map((r) => kind(r.mask)).join(",");
  if (tail !== "DELETE_SELF,IGNORED") fail(`the last records are ${tail}`);
  if (records.length !== count * 6 + 2) fail(`${records.length} records`);
  return renames;
}

if (import.meta.main) {
  const report = await runInotify(1000);
  console.log(
    `inotify: ${report.files} files, ${report.records} records in ${report.reads} reads, ` +
      `${report.renames} renames paired by cookie, IN_IGNORED last`,
  );
}
