// watchPath(): an inotify watch as an async iterator of typed events, on
// each loop API and mode; renames paired by cookie, the end at IN_IGNORED,
// the fd closed however the iteration ends, and bad input refused.
import { EventLoop, IOLoop, SystemError } from "@evloop/evloop";
import {
  type InotifyEvent,
  InotifyMask,
  parseInotifyRecords,
  watchPath,
} from "@evloop/evloop/inotify";
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { lib, libraryPath } from "../ffi/load.ts";
import { Errno } from "../src/sys/errors.ts";
import { openFds, scriptCommand, test } from "./_harness.ts";
import { eachLoop } from "./_loops.ts";

const M = InotifyMask;

/** A new empty directory. */
function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "evloop-inotify-test-"));
}

/** The inotify fds open now. */
function inotifyFds(): string[] {
  return openFds().filter((f) => f.endsWith("anon_inode:inotify"));
}

/** "create a", "rename a b": an event in a word or three. */
function show(event: InotifyEvent): string {
  if (event.type === "rename") return `rename ${event.from} ${event.to}`;
  return `${event.kinds.join("|")} ${event.name}`.trimEnd();
}

eachLoop(
  test,
  "watchPath() delivers create, modify, rename, delete, then deleteSelf and ignored, and ends",
  async (s) => {
    const dir = tempDir();
    const mask = M.CREATE | M.MODIFY | M.MOVE | M.DELETE | M.DELETE_SELF;
    const before = inotifyFds();
    const events = await s.during(async () => {
      const watch = watchPath(dir, mask, { loop: s.raw });
      assertEquals(inotifyFds().length, before.length + 1);
      writeFileSync(join(dir, "a"), "x");
      mkdirSync(join(dir, "sub"));
      renameSync(join(dir, "a"), join(dir, "b"));
      unlinkSync(join(dir, "b"));
      rmdirSync(join(dir, "sub"));
      rmdirSync(dir);
      const got: InotifyEvent[] = [];
      for await (const event of watch) got.push(event);
      assertEquals(watch.fd, -1);
      return got;
    });
    assertEquals(events.map(show), [
      "create a",
      "modify a",
      "create sub",
      "rename a b",
      "delete b",
      "delete sub",
      "deleteSelf",
      "ignored",
    ]);
    const wd = events[0].wd;
    assert(events.every((e) => e.wd === wd));
    assertEquals(events.map((e) => e.isDir), [
      false,
      false,
      true,
      false,
      false,
      true,
      false,
      false,
    ]);
    const rename = events[3];
    assert(rename.type === "rename");
    assertEquals(rename.kinds, ["movedFrom", "movedTo"]);
    assert(rename.cookie !== 0);
    assertEquals(rename.mask, M.MOVED_FROM | M.MOVED_TO);
    assertEquals(rename.name, "b");
    assertEquals(events[0].type, "event");
    assertEquals(events[0].mask, M.CREATE);
    assertEquals(events[2].mask, (M.CREATE | M.ISDIR) >>> 0);
    assertEquals(inotifyFds(), before);
  },
);

test("watchPath() delivers a rename out of the directory unpaired, in order, and one in", async () => {
  const dir = tempDir();
  const away = tempDir();
  writeFileSync(join(dir, "leaving"), "");
  writeFileSync(join(away, "coming"), "");
  using loop = new EventLoop();
  const watch = watchPath(dir, M.CREATE | M.MOVE, { loop });
  const running = loop.run();
  renameSync(join(dir, "leaving"), join(away, "leaving")); // MOVED_FROM only
  writeFileSync(join(dir, "after"), "");
  renameSync(join(away, "coming"), join(dir, "coming")); // MOVED_TO only
  renameSync(join(dir, "after"), join(dir, "renamed")); // both
  const got: InotifyEvent[] = [];
  for await (const event of watch) {
    got.push(event);
    if (got.length === 4) break;
  }
  await running;
  assertEquals(got.map(show), [
    "movedFrom leaving",
    "create after",
    "movedTo coming",
    "rename after renamed",
  ]);
  assertEquals(got.map((e) => e.type), ["event", "event", "event", "rename"]);
  assert(got[0].cookie !== 0 && got[2].cookie !== 0 && got[0].cookie !== got[2].cookie);
  rmSync(dir, { recursive: true });
  rmSync(away, { recursive: true });
});

test("watchPath() pairs a directory's rename (isDir) and answers next() calls made at once in order", async () => {
  const dir = tempDir();
  mkdirSync(join(dir, "old"));
  using loop = new EventLoop();
  const watch = watchPath(dir, M.MOVE | M.CREATE, { loop });
  const running = loop.run();
  // Asked before anything happened: each waits its turn.
  const pending = [watch.next(), watch.next(), watch.next()];
  renameSync(join(dir, "old"), join(dir, "new"));
  writeFileSync(join(dir, "f1"), "");
  writeFileSync(join(dir, "f2"), "");
  const got = (await Promise.all(pending)).map((r) => r.value as InotifyEvent);
  await watch.return();
  await running;
  assertEquals(got.map(show), ["rename old new", "create f1", "create f2"]);
  assertEquals(got.map((e) => e.isDir), [true, false, false]);
  assertEquals(got[0].mask, (M.MOVED_FROM | M.MOVED_TO | M.ISDIR) >>> 0);
  rmSync(dir, { recursive: true });
});

test("watchPath() pairs a rename whose two records fall in two reads (3,000 renames queued)", async () => {
  const dir = tempDir();
  const away = tempDir();
  const n = 3000;
  const name = (prefix: string, i: number) => `${prefix}${String(i).padStart(4, "0")}`;
  for (let i = 0; i < n; i++) writeFileSync(join(dir, name("a", i)), "");
  writeFileSync(join(away, "x0000"), "");
  using loop = new EventLoop();
  const watch = watchPath(dir, M.MOVE, { loop });
  const running = loop.run();
  // One lone MOVED_TO first: with names of 5 bytes every record is 32
  // bytes, a 64 KiB read holds 2,048 of them, and so each read ends with
  // a MOVED_FROM whose MOVED_TO comes in the next.
  renameSync(join(away, "x0000"), join(dir, "x0000"));
  for (let i = 0; i < n; i++) renameSync(join(dir, name("a", i)), join(dir, name("b", i)));
  const got: string[] = [];
  for await (const event of watch) {
    got.push(show(event));
    if (got.length === n + 1) break;
  }
  await running;
  assertEquals(got[0], "movedTo x0000");
  for (let i = 0; i < n; i++) {
    assertEquals(got[i + 1], `rename ${name("a", i)} ${name("b", i)}`);
  }
  rmSync(dir, { recursive: true });
  rmSync(away, { recursive: true });
});

test("watchPath() runs many watches on one loop, each with its own events and fd", async () => {
  const dirs = Array.from({ length: 10 }, () => tempDir()); // of 128 instances per user
  const before = inotifyFds();
  using loop = new EventLoop();
  const watches = dirs.map((dir) => watchPath(dir, M.CREATE, { loop }));
  assertEquals(inotifyFds().length, before.length + dirs.length);
  const running = loop.run();
  const taken = watches.map(async (watch, i) => {
    const first = await watch.next();
    await watch.return();
    return [show(first.value as InotifyEvent), i] as const;
  });
  // Created in reverse order: each watch still gets its own directory's file.
  for (let i = dirs.length - 1; i >= 0; i--) writeFileSync(join(dirs[i], `in${i}`), "");
  const got = await Promise.all(taken);
  await running;
  for (const [line, i] of got) assertEquals(line, `create in${i}`);
  assertEquals(inotifyFds(), before);
  for (const dir of dirs) rmSync(dir, { recursive: true });
});

test("el_inotify_rm_watch removes a watch: the kernel's IGNORED ends the iteration; twice is EINVAL", async () => {
  const dir = tempDir();
  using loop = new EventLoop();
  const watch = watchPath(dir, M.CREATE, { loop });
  const running = loop.run();
  writeFileSync(join(dir, "before"), "");
  assertEquals(lib.el_inotify_rm_watch(watch.fd, watch.wd), 0);
  assertEquals(lib.el_inotify_rm_watch(watch.fd, watch.wd), -Errno.EINVAL);
  const got: string[] = [];
  for await (const event of watch) got.push(show(event));
  await running;
  assertEquals(got, ["create before", "ignored"]);
  assertEquals(watch.fd, -1);
  rmSync(dir, { recursive: true });
});

test("watchPath() holds a lone MOVED_FROM no longer than renameWindowMs when nothing follows", async () => {
  const dir = tempDir();
  const away = tempDir();
  writeFileSync(join(dir, "leaving"), "");
  using loop = new EventLoop();
  const watch = watchPath(dir, M.MOVE, { loop, renameWindowMs: 50 });
  const running = loop.run();
  renameSync(join(dir, "leaving"), join(away, "leaving"));
  const start = performance.now();
  const first = await watch.next();
  const waited = performance.now() - start;
  await watch.return();
  await running;
  assertEquals(first.done, false);
  assertEquals(show(first.value as InotifyEvent), "movedFrom leaving");
  assert(waited >= 45, `delivered after ${waited} ms, before the window ended`);
  rmSync(dir, { recursive: true });
  rmSync(away, { recursive: true });
});

test('watchPath() on a file: its events are named "", and deleting it ends the iteration', async () => {
  const dir = tempDir();
  const file = join(dir, "watched");
  writeFileSync(file, "");
  using loop = new EventLoop();
  const watch = watchPath(file, M.MODIFY | M.ATTRIB | M.DELETE_SELF, { loop });
  const running = loop.run();
  writeFileSync(file, "more");
  unlinkSync(file);
  const got: InotifyEvent[] = [];
  for await (const event of watch) got.push(event);
  await running;
  // unlink drops the last link: ATTRIB (the link count), then DELETE_SELF.
  assertEquals(got.map(show), ["modify", "attrib", "deleteSelf", "ignored"]);
  assert(got.every((e) => e.name === ""));
  rmdirSync(dir);
});

test("watchPath() with ONESHOT ends after one event", async () => {
  const dir = tempDir();
  using loop = new EventLoop();
  const watch = watchPath(dir, M.CREATE | M.ONESHOT, { loop });
  const running = loop.run();
  writeFileSync(join(dir, "one"), "");
  writeFileSync(join(dir, "two"), "");
  const got: string[] = [];
  for await (const event of watch) got.push(show(event));
  await running;
  assertEquals(got, ["create one", "ignored"]);
  rmSync(dir, { recursive: true });
});

test("watchPath() break and return() close the inotify fd; later next() calls are done", async () => {
  const dir = tempDir();
  const before = inotifyFds();
  using loop = new EventLoop();
  const running = loop.run();
  const watch = watchPath(dir, M.CREATE, { loop });
  const fd = watch.fd;
  assert(inotifyFds().includes(`${fd} -> anon_inode:inotify`));
  writeFileSync(join(dir, "a"), "");
  for await (const event of watch) {
    assertEquals(show(event), "create a");
    break;
  }
  assertEquals(inotifyFds(), before);
  assertEquals(watch.fd, -1);
  assertEquals(await watch.next(), { done: true, value: undefined });
  // return() while a next() waits: that next() is done too.
  const second = watchPath(dir, M.CREATE, { loop });
  const pending = second.next();
  await second.return();
  assertEquals(await pending, { done: true, value: undefined });
  // using: disposed at the end of the block.
  {
    using _third = watchPath(dir, M.CREATE, { loop });
    assertEquals(inotifyFds().length, before.length + 1);
  }
  assertEquals(inotifyFds(), before);
  await running;
  rmSync(dir, { recursive: true });
});

test("watchPath() without a loop: the device loop runs it, and the program exits once the watch ends", () => {
  const script = new URL("./fixtures/inotify_exit.ts", import.meta.url).pathname;
  const [cmd, args] = scriptCommand(script);
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  assertEquals(r.signal, null, "it was still running after 30 s");
  assertEquals(r.status, 0, r.stderr);
  assertEquals(r.stdout, "create hello\nended\n");
});

test("watchPath() ends on abort: a waiting next() rejects with the reason, then done", async () => {
  const dir = tempDir();
  const before = inotifyFds();
  using loop = new EventLoop();
  const running = loop.run();
  const controller = new AbortController();
  const watch = watchPath(dir, M.CREATE, { loop, signal: controller.signal });
  const pending = watch.next();
  const reason = new Error("enough");
  controller.abort(reason);
  await assertRejects(() => pending, Error, "enough");
  assertEquals(await watch.next(), { done: true, value: undefined });
  assertEquals(inotifyFds(), before);
  // Aborted with no next() waiting: the first next() rejects.
  const idle = new AbortController();
  const quiet = watchPath(dir, M.CREATE, { loop, signal: idle.signal });
  idle.abort(new Error("stop"));
  assertEquals(inotifyFds(), before);
  await assertRejects(() => quiet.next(), Error, "stop");
  assertEquals(await quiet.next(), { done: true, value: undefined });
  // Already aborted: throws the reason and opens nothing.
  assertThrows(
    () => watchPath(dir, M.CREATE, { loop, signal: AbortSignal.abort(new Error("early")) }),
    Error,
    "early",
  );
  assertEquals(inotifyFds(), before);
  await running;
  rmSync(dir, { recursive: true });
});

test("watchPath() refuses bad input with errors that name the path, and opens nothing", () => {
  const dir = tempDir();
  const file = join(dir, "plain");
  writeFileSync(file, "");
  const loop = new EventLoop();
  const before = inotifyFds();
  const missing = join(dir, "nope");
  // deno-lint-ignore no-explicit-any
  const call = watchPath as (...args: any[]) => unknown;
  const cases: [string, () => unknown, ErrorConstructor | typeof SystemError, string][] = [
    [
      "a path that does not exist",
      () => call(missing, M.CREATE, { loop }),
      SystemError,
      `Cannot watch "${missing}": No such file or directory (ENOENT)`,
    ],
    [
      "ONLYDIR on a file",
      () => call(file, M.CREATE | M.ONLYDIR, { loop }),
      SystemError,
      `Cannot watch "${file}": Not a directory (ENOTDIR)`,
    ],
    [
      "an empty path",
      () => call("", M.CREATE, { loop }),
      SystemError,
      `Cannot watch "": No such file or directory (ENOENT)`,
    ],
    ["mask 0", () => call(dir, 0, { loop }), RangeError, "mask has no event bit"],
    [
      "mask of flags only",
      () => call(dir, M.ONLYDIR, { loop }),
      RangeError,
      "mask has no event bit",
    ],
    [
      "mask NaN",
      () => call(dir, NaN, { loop }),
      RangeError,
      "mask must be a 32-bit integer, got NaN",
    ],
    ["mask below -2^31", () => call(dir, -(2 ** 31) - 1, { loop }), RangeError, "a 32-bit integer"],
    ["mask 2^32", () => call(dir, 2 ** 32, { loop }), RangeError, "a 32-bit integer"],
    ["mask 1.5", () => call(dir, 1.5, { loop }), RangeError, "a 32-bit integer"],
    ["mask Infinity", () => call(dir, Infinity, { loop }), RangeError, "a 32-bit integer"],
    [
      "a kernel-only bit",
      () => call(dir, M.CREATE | M.IGNORED, { loop }),
      RangeError,
      "bits watchPath does not take: 0x8000",
    ],
    [
      "mask a string",
      () => call(dir, "create", { loop }),
      TypeError,
      'mask must be a number, got the string "create"',
    ],
    [
      "path a number",
      () => call(7, M.CREATE, { loop }),
      TypeError,
      "path must be a string, got number 7",
    ],
    [
      "path undefined",
      () => call(undefined, M.CREATE, { loop }),
      TypeError,
      "path must be a string",
    ],
    ["path with a NUL", () => call("a\0b", M.CREATE, { loop }), TypeError, "path holds a NUL"],
    [
      "a loop that is a number",
      () => call(dir, M.CREATE, { loop: 7 }),
      TypeError,
      "options.loop must be an EventLoop or an IOLoop, got number 7",
    ],
    [
      "a loop that is not one",
      () => call(dir, M.CREATE, { loop: {} }),
      TypeError,
      "options.loop must be",
    ],
    [
      "options a string",
      () => call(dir, M.CREATE, "loop"),
      TypeError,
      "the options must be an object",
    ],
    [
      "signal not a signal",
      () => call(dir, M.CREATE, { loop, signal: 1 }),
      TypeError,
      "options.signal must be an AbortSignal",
    ],
    [
      "renameWindowMs -1",
      () => call(dir, M.CREATE, { loop, renameWindowMs: -1 }),
      RangeError,
      "renameWindowMs",
    ],
    [
      "renameWindowMs NaN",
      () => call(dir, M.CREATE, { loop, renameWindowMs: NaN }),
      RangeError,
      "renameWindowMs",
    ],
  ];
  for (const [what, fn, type, message] of cases) {
    let error: unknown;
    try {
      fn();
    } catch (caught) {
      error = caught;
    }
    assert(error instanceof type, `${what}: threw ${error}`);
    assert(error.message.includes(message), `${what}: "${error.message}" lacks "${message}"`);
    if (error instanceof SystemError) assertEquals(error.syscall, "inotify_add_watch", what);
  }
  assertEquals(inotifyFds(), before);
  loop.destroy();
  assertThrows(
    () => watchPath(dir, M.CREATE, { loop }),
    Error,
    `Cannot watch "${dir}": the loop is closed`,
  );
  assertEquals(inotifyFds(), before);
  rmSync(dir, { recursive: true });
});

test("watchPath(): the loop closing ends the watch: the fd closed, next() rejects once", async () => {
  const dir = tempDir();
  const before = inotifyFds();
  const loop = new IOLoop();
  const running = loop.start();
  const watch = watchPath(dir, M.CREATE, { loop });
  const pending = watch.next();
  loop.addCallback(() => loop.close());
  await assertRejects(() => pending, Error, `Cannot watch "${dir}": the loop was closed`);
  await running;
  assertEquals(watch.fd, -1);
  assertEquals(inotifyFds(), before);
  assertEquals(await watch.next(), { done: true, value: undefined });
  // Closed with no next() waiting: the fd goes at once, the first next() rejects.
  const other = new EventLoop();
  const idle = watchPath(dir, M.CREATE, { loop: other });
  other.destroy();
  assertEquals(idle.fd, -1);
  assertEquals(inotifyFds(), before);
  await assertRejects(() => idle.next(), Error, "the loop was closed");
  assertEquals(await idle.next(), { done: true, value: undefined });
  rmSync(dir, { recursive: true });
});

test("watchPath() delivers 1,000 files' events queued before its first read (64 KiB reads), none lost", async () => {
  const dir = tempDir();
  using loop = new EventLoop();
  const watch = watchPath(dir, M.CREATE | M.CLOSE_WRITE, { loop });
  const running = loop.run();
  for (let i = 0; i < 1000; i++) writeFileSync(join(dir, `f${i}`), "");
  const seen = new Map<string, string[]>();
  let n = 0;
  for await (const event of watch) {
    seen.set(event.name, [...(seen.get(event.name) ?? []), show(event).split(" ")[0]]);
    if (++n === 2000) break;
  }
  await running;
  assertEquals(seen.size, 1000);
  for (const [name, kinds] of seen) assertEquals(kinds, ["create", "closeWrite"], name);
  rmSync(dir, { recursive: true });
});

test("watchPath() surfaces a queue overflow as an overflow event (wd -1) and goes on", async () => {
  const limit = Number(readFileSync("/proc/sys/fs/inotify/max_queued_events", "utf8"));
  const dir = tempDir();
  using loop = new EventLoop();
  const watch = watchPath(dir, M.MODIFY | M.CREATE, { loop });
  const running = loop.run();
  // Alternating files: the kernel merges only a record equal to the last.
  const a = openSync(join(dir, "a"), "w");
  const b = openSync(join(dir, "b"), "w");
  for (let i = 0; i <= limit; i++) writeSync(i % 2 === 0 ? a : b, "x");
  closeSync(a);
  closeSync(b);
  const got: InotifyEvent[] = [];
  for await (const event of watch) {
    got.push(event);
    if (event.kinds.includes("overflow")) break;
  }
  await running;
  const overflow = got[got.length - 1];
  assertEquals(overflow.kinds, ["overflow"]);
  assertEquals(overflow.wd, -1);
  assertEquals(overflow.name, "");
  assertEquals(got.length, limit + 1); // every record the queue held, then the overflow
  rmSync(dir, { recursive: true });
});

test("parseInotifyRecords reads back-to-back records and refuses a record cut short", () => {
  const buf = new Uint8Array(64);
  const view = new DataView(buf.buffer);
  view.setInt32(0, 3, true);
  view.setUint32(4, M.CREATE | M.ISDIR, true);
  view.setUint32(12, 16, true);
  buf.set(new TextEncoder().encode("dir"), 16);
  view.setInt32(32, -1, true);
  view.setUint32(36, M.Q_OVERFLOW, true);
  view.setUint32(40, 7, true);
  assertEquals(parseInotifyRecords(buf, 48), [
    { wd: 3, mask: (M.CREATE | M.ISDIR) >>> 0, cookie: 0, name: "dir" },
    { wd: -1, mask: M.Q_OVERFLOW, cookie: 7, name: "" },
  ]);
  assertEquals(parseInotifyRecords(buf, 0), []);
  assertThrows(() => parseInotifyRecords(buf, 40), RangeError, "a header cut at byte 32 of 40");
  assertThrows(() => parseInotifyRecords(buf, 24), RangeError, "a record of 16 name bytes cut");
  assertThrows(() => parseInotifyRecords(buf, 65), RangeError, "n must be 0..64");
});

/** Runs tests/_inotify_watch_child.ts on `path`; returns what it printed. */
function watchInChild(
  path: string,
  env: Record<string, string> = {},
  prefix: string[] = [],
): Record<string, unknown> {
  const [command, args] = scriptCommand(
    new URL("./_inotify_watch_child.ts", import.meta.url).pathname,
    path,
  );
  const argv = [...prefix, command, ...args];
  const r = spawnSync(argv[0], argv.slice(1), {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  assertEquals(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("watchPath() where the system has no inotify (the shim's inotify_none.c): ENOSYS, clearly", () => {
  const noInotify = libraryPath.replace(/libevloop\.(so|dylib)$/, "libevloop_no_inotify.$1");
  const got = watchInChild(tmpdir(), { EVLOOP_LIB: noInotify });
  assertEquals(got.library, noInotify);
  assertEquals([got.threw, got.name, got.code, got.syscall], [
    true,
    "SystemError",
    "ENOSYS",
    "inotify_init1",
  ]);
  assertEquals(
    got.message,
    `Cannot watch "${tmpdir()}": inotify is Linux's; this system has none ` +
      "(on macOS and the BSDs, kqueue's EVFILT_VNODE) (ENOSYS)",
  );
  assertEquals(got.fds, []);
});

test("watchPath() on a directory it may not read: EACCES naming the path, no fd left", () => {
  const dir = tempDir();
  const locked = join(dir, "locked");
  const before = inotifyFds();
  mkdirSync(locked);
  chmodSync(locked, 0o000);
  chmodSync(dir, 0o755);
  try {
    // Root reads everything: as root, the watch is made by a child that
    // is still root but without the capabilities that override file
    // permissions (setpriv), so it meets the directory's mode 000 as a
    // user's process would. (Not as nobody: the clone itself may sit in a
    // directory only root can read, such as mktemp -d's.)
    const root = process.getuid?.() === 0;
    const dropped = "-dac_override,-dac_read_search";
    const got = root
      ? watchInChild(locked, {}, [
        "setpriv",
        `--inh-caps=${dropped}`,
        `--bounding-set=${dropped}`,
      ])
      : (() => {
        const loop = new EventLoop();
        try {
          watchPath(locked, M.CREATE, { loop });
          return { threw: false };
        } catch (error) {
          const e = error as SystemError;
          const fds = inotifyFds().filter((f) => !before.includes(f));
          return {
            threw: true,
            name: e.name,
            code: e.code,
            syscall: e.syscall,
            message: e.message,
            fds,
          };
        } finally {
          loop.destroy();
        }
      })();
    assertEquals([got.threw, got.name, got.code, got.syscall], [
      true,
      "SystemError",
      "EACCES",
      "inotify_add_watch",
    ]);
    assertEquals(got.message, `Cannot watch "${locked}": Permission denied (EACCES)`);
    assertEquals(got.fds, []);
  } finally {
    chmodSync(locked, 0o755);
    rmSync(dir, { recursive: true });
  }
});

test("watchPath() ends when its filesystem is unmounted: unmount, then ignored", () => {
  // A mount namespace of its own, so nothing is mounted where others see
  // it: `unshare -m`, as root.
  if (process.getuid?.() !== 0) {
    console.log("skipped: not root (the test mounts a tmpfs in a mount namespace of its own)");
    return;
  }
  const [command, args] = scriptCommand(
    new URL("./_inotify_unmount_child.ts", import.meta.url).pathname,
  );
  const r = spawnSync("unshare", ["-m", command, ...args], { encoding: "utf8", timeout: 60_000 });
  assertEquals(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assertEquals(got.events, [`unmount:${got.wd}`, `ignored:${got.wd}`]);
  assertEquals(got.fd, -1);
});
