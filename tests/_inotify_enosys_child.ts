// Run by tests/inotify_test.ts with EVLOOP_LIB naming libevloop_no_inotify
// (the shim with csrc/inotify_none.c, as on macOS): prints what watchPath
// throws, as JSON, and the inotify fds left open.
import { EventLoop, info } from "@evloop/evloop";
import { InotifyMask, watchPath } from "@evloop/evloop/inotify";
import { tmpdir } from "node:os";
import { openFds } from "./_leaks.ts";

const loop = new EventLoop();
try {
  watchPath(tmpdir(), InotifyMask.CREATE, { loop });
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
