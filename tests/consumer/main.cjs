// tests/consumer/main.ts for CommonJS: evloop loaded with require() (Node
// loads the package's ES modules synchronously: they await nothing at the
// top level), run by scripts/consumer_test.mjs.
const { EventLoop, fd, info } = require("evloop");
const { openPty, openSerial } = require("evloop/serial");
const { InotifyMask, inotifyKinds } = require("evloop/inotify");

const loop = new EventLoop();
const [r, w] = fd.pipe();
const seen = [];
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
loop.run().then(() => {
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
  return port.read(buf, 0, buf.length).then(async (n) => {
    const text = new TextDecoder().decode(buf.subarray(0, n));
    console.log(`serial ${text} at ${port.getBaudRate()} baud`);
    await port.close();
    fd.close(device.master);
  });
});
