/**
 * evloop's inotify entry point (`@evloop/evloop/inotify`, `evloop/inotify`
 * from npm): `watchPath(path, mask, { loop })` watches a file or directory
 * with inotify(7) on an evloop loop and gives its events as an async
 * iterator, typed (`kinds: ["create"]`, `isDir`), a rename inside the
 * directory as one `rename` event (`from`, `to`: its `MOVED_FROM` and
 * `MOVED_TO` paired by cookie), ending after the watch's `ignored` (the
 * path deleted, its filesystem unmounted). `break` or an abort closes the
 * inotify fd. Linux only: elsewhere `watchPath` throws (`ENOSYS`).
 *
 * @example Watch a directory until it is removed
 * ```ts
 * import { EventLoop } from "@evloop/evloop";
 * import { InotifyMask, watchPath } from "@evloop/evloop/inotify";
 * import { assertEquals } from "@std/assert";
 * import { mkdtempSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * using loop = new EventLoop();
 * const dir = mkdtempSync(join(tmpdir(), "inotify-"));
 * const mask = InotifyMask.CREATE | InotifyMask.MOVE | InotifyMask.DELETE |
 *   InotifyMask.DELETE_SELF;
 * const watch = watchPath(dir, mask, { loop });
 * const running = loop.run();
 * writeFileSync(join(dir, "a"), "");
 * renameSync(join(dir, "a"), join(dir, "b"));
 * unlinkSync(join(dir, "b"));
 * rmdirSync(dir);
 * const seen: string[] = [];
 * for await (const event of watch) {
 *   seen.push(event.type === "rename" ? `rename ${event.from} ${event.to}` : `${event.kinds} ${event.name}`);
 * }
 * await running;
 * assertEquals(seen, ["create a", "rename a b", "delete b", "deleteSelf ", "ignored "]);
 * ```
 *
 * @module
 */
export { type InotifyWatch, watchPath, type WatchPathOptions } from "./src/devices/inotify.ts";
export {
  type InotifyEvent,
  type InotifyEventBase,
  type InotifyKind,
  inotifyKinds,
  InotifyMask,
  type InotifyRecord,
  type InotifyRecordEvent,
  type InotifyRenameEvent,
  parseInotifyRecords,
} from "./src/devices/inotify_events.ts";
