// Run by tests/inotify_test.ts in a child process: watches argv's path and
// prints, as JSON, what watchPath threw and the inotify fds left open. Used
// where the parent cannot be the process under test: with EVLOOP_LIB naming
// libevloop_no_inotify (the shim with csrc/inotify_none.c, as on macOS),
// and as another user (EACCES, which root never gets).
import { EventLoop, info } from "@evloop/evloop";
import { InotifyMask, watchPath } from "@evloop/evloop/inotify";
import process from "node:process";
import { openFds } from "./_leaks.ts";

const path = process.argv[process.argv.length - 1];
const loop = new EventLoop();
try {
  watchPath(path, InotifyMask.CREATE, { loop });
  console.log(JSON.stringify({ threw: false }));
} catch (error) {
  const e = error as Error & { code?: string; syscall?: string };
  console.log(JSON.stringify({
    threw: true,
    name: e.name,
    code: e.code,
    syscall: e.syscall,
    message: e.message,
    library: info().library,
    fds: openFds().filter((f) => f.includes("inotify")),
  }));
}
loop.destroy();
