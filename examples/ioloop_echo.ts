// turbo-style IOLoop: an echo server and a client on 127.0.0.1.
//   deno run --allow-ffi examples/ioloop_echo.ts   |   bun examples/ioloop_echo.ts
import { fd, IOLoop } from "../mod.ts";

const loop = IOLoop.instance();
const server = fd.tcpListen("127.0.0.1", 0);
const decode = (buf: Uint8Array) => new TextDecoder().decode(buf);

// Server: accept, then echo what arrives; EOF or an ERROR bit closes.
loop.addHandler(server, IOLoop.READ, () => {
  const conn = fd.tcpAccept(server);
  if (conn === null) return; // spurious readiness
  loop.addHandler(conn, IOLoop.READ, (c: number, events: number) => {
    const buf = new Uint8Array(1024);
    const n = fd.read(c, buf);
    if (n === null) return;
    if (n === 0 || (events & IOLoop.ERROR) !== 0) return fd.close(c); // also removes the handler
    fd.write(c, buf.subarray(0, n));
    console.log(`server: echoed "${decode(buf.subarray(0, n))}"`);
  });
});

// Client: writable means connected; send once, then wait for the echo.
const client = fd.tcpConnect("127.0.0.1", fd.localPort(server));
loop.addHandler(client, IOLoop.WRITE, (c: number, events: number) => {
  if ((events & IOLoop.WRITE) !== 0) {
    fd.write(c, new TextEncoder().encode("hello, turbo"));
    loop.updateHandler(c, IOLoop.READ);
    return;
  }
  const buf = new Uint8Array(1024);
  const n = fd.read(c, buf);
  if (n === null) return;
  console.log(`client: got "${decode(buf.subarray(0, n ?? 0))}"`);
  loop.close(); // clears every handler, timeout and interval
});
loop.addTimeout(Date.now() + 5000, () => loop.close()); // a safety net

await loop.start(); // resolves once close() ran
fd.close(client);
fd.close(server);
