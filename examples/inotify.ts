// inotify: watch a directory while 1,000 files are created, modified,
// renamed and deleted, then the directory itself is removed, through
// watchPath (evloop/inotify): every event checked, each rename one event
// paired by cookie, and the watch's end (ignored) last.
//   deno run --allow-ffi --allow-read --allow-write --allow-env examples/inotify.ts   |   bun examples/inotify.ts
import { EventLoop, type EventLoopOptions } from "../mod.ts";
import { type InotifyEvent, InotifyMask, watchPath } from "../inotify.ts";
import {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the run saw. */
export interface InotifyReport {
  files: number;
  /** The kernel's records (a rename event stands for two). */
  records: number;
  /** The events watchPath delivered. */
  events: number;
  /** Rename events: a MOVED_FROM and its MOVED_TO paired by cookie. */
  renames: number;
}

/** How to run: the loop's mode, and who hears each phase (the demo's tour). */
export interface InotifyOptions {
  mode?: EventLoopOptions["mode"];
  /** Called with the directory watched, before anything happens in it. */
  onWatch?: (dir: string) => void;
  /** Called with the events of each phase (create, append, rename, delete, rmdir). */
  onPhase?: (events: InotifyEvent[]) => void;
}

/** An event in a word or two: "create a0001", "rename a0001>b0001", "ignored". */
export function describeEvent(event: InotifyEvent): string {
  if (event.type === "rename") return `rename ${event.from}>${event.to}`;
  return `${event.kinds.join("|")} ${event.name}`.trimEnd();
}

/**
 * Creates, modifies, renames and deletes `count` files in a new temporary
 * directory, then removes the directory; after each phase, takes its
 * events from the watch and checks every one.
 */
export async function runInotify(
  count: number,
  options: InotifyOptions = {},
): Promise<InotifyReport> {
  const dir = mkdtempSync(join(tmpdir(), "evloop-inotify-"));
  const mask = InotifyMask.CREATE | InotifyMask.MODIFY | InotifyMask.MOVE |
    InotifyMask.DELETE | InotifyMask.DELETE_SELF;
  using loop = new EventLoop({ mode: options.mode });
  using watch = watchPath(dir, mask, { loop });
  options.onWatch?.(dir);

  const name = (prefix: string, i: number) => join(dir, base(prefix, i));
  const each = (fn: (i: number) => void) => {
    for (let i = 0; i < count; i++) fn(i);
  };
  // Each phase, and the events it makes (for file i, or the directory's).
  const phases: [run: () => void, expected: (i: number) => string[]][] = [
    [() => each((i) => writeFileSync(name("a", i), "created\n")), (i) => [
      `create ${base("a", i)}`,
      `modify ${base("a", i)}`,
    ]],
    [() => each((i) => appendFileSync(name("a", i), "more\n")), (i) => [`modify ${base("a", i)}`]],
    [() => each((i) => renameSync(name("a", i), name("b", i))), (i) => [
      `rename ${base("a", i)}>${base("b", i)}`,
    ]],
    [() => each((i) => unlinkSync(name("b", i))), (i) => [`delete ${base("b", i)}`]],
    [() => rmdirSync(dir), () => []],
  ];

  const report: InotifyReport = { files: count, records: 0, events: 0, renames: 0 };
  const running = loop.run();
  const events = watch[Symbol.asyncIterator]();
  for (const [index, [run, expected]] of phases.entries()) {
    run();
    const want = index === phases.length - 1
      ? ["deleteSelf", "ignored"]
      : Array.from({ length: count }, (_, i) => expected(i)).flat();
    const got: InotifyEvent[] = [];
    while (got.length < want.length) {
      const next = await events.next();
      if (next.done) throw new Error(`inotify: the watch ended in phase ${index + 1}`);
      got.push(next.value);
    }
    options.onPhase?.(got);
    const seen = got.map(describeEvent);
    for (const [i, line] of want.entries()) {
      if (seen[i] !== line) {
        throw new Error(`inotify: phase ${index + 1}, event ${i}: ${seen[i]}, expected ${line}`);
      }
    }
    for (const event of got) {
      report.events++;
      report.records += event.type === "rename" ? 2 : 1;
      if (event.type === "rename") report.renames++;
    }
  }
  if (!(await events.next()).done) throw new Error("inotify: an event after ignored");
  await running;
  return report;
}

/** "a0042" */
function base(prefix: string, i: number): string {
  return `${prefix}${String(i).padStart(4, "0")}`;
}

if (import.meta.main) {
  const report = await runInotify(1000);
  console.log(
    `inotify: ${report.files} files, ${report.events} events (${report.records} records), ` +
      `${report.renames} renames paired by cookie, ignored last`,
  );
}
