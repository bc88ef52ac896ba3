// What a new user runs first, in a fresh project that installed evloop
// from a registry (scripts/consumer_test.mjs): a pipe, a reader, a timer;
// and the inotify entry point, imported by its subpath.
import { EventLoop, fd, info } from "evloop";
import { inotifyKinds, InotifyMask } from "evloop/inotify";

const loop = new EventLoop();
const [r, w] = fd.pipe();
const seen: string[] = [];
loop.addReader(r, () => {
  const buf = new Uint8Array(16);
  const n = fd.read(r, buf) ?? 0;
  seen.push(`read ${new TextDecoder().decode(buf.subarray(0, n))}`);
  loop.removeReader(r);
});
const start = loop.time();
loop.callLater(20, () => {
  seen.push(loop.time() - start >= 20 ? "timer on time" : "timer early");
  fd.write(w, new TextEncoder().encode("hello"));
});
await loop.run();
fd.close(r);
fd.close(w);
loop.destroy();
console.log(seen.join(", "));
console.log(`library ${info().library}`);
console.log(`inotify kinds ${inotifyKinds(InotifyMask.MOVE)}`);
