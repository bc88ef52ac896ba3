// What a new user runs first, in a fresh project that installed evloop
// from a registry (scripts/consumer_test.mjs): a pipe, a reader, a timer;
// then a serial port through the evloop/serial entry point, on a pty, and
// the inotify entry point, imported by its subpath.
import { EventLoop, fd, info } from "evloop";
import { inotifyKinds, InotifyMask } from "evloop/inotify";
import { openPty, openSerial } from "evloop/serial";

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

const device = openPty();
const port = openSerial(device.path, { baudRate: 115200 });
fd.write(device.master, new TextEncoder().encode("ping"));
const buf = new Uint8Array(16);
const n = await port.read(buf, 0, buf.length);
console.log(`serial ${new TextDecoder().decode(buf.subarray(0, n))} at ${port.getBaudRate()} baud`);
await port.close();
fd.close(device.master);
