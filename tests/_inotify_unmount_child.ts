// Run by tests/inotify_test.ts under `unshare -m` (a mount namespace of its
// own, as root): mounts a tmpfs, watches a directory on it, unmounts it,
// and prints the events watchPath delivered, as JSON.
import { EventLoop } from "@evloop/evloop";
import { InotifyMask, watchPath } from "@evloop/evloop/inotify";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const must = (command: string, ...args: string[]) => {
  const r = spawnSync(command, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${r.stderr}`);
};
const mountPoint = mkdtempSync(join(tmpdir(), "evloop-inotify-mnt-"));
must("mount", "--make-rprivate", "/");
must("mount", "-t", "tmpfs", "evloop-test", mountPoint);
const watched = join(mountPoint, "watched");
mkdirSync(watched);
using loop = new EventLoop();
const watch = watchPath(watched, InotifyMask.CREATE | InotifyMask.DELETE_SELF, { loop });
const running = loop.run();
must("umount", mountPoint);
const events: string[] = [];
for await (const event of watch) events.push(`${event.kinds.join("|")}:${event.wd}`);
await running;
rmdirSync(mountPoint);
console.log(JSON.stringify({ events, wd: watch.wd, fd: watch.fd }));
