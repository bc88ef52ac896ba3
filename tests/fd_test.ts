// The fd namespace: typed helpers over the shim, errors as SystemError.
import { EventLoop, fd, SystemError } from "@evloop/evloop";
import { assert, assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import { test } from "./_harness.ts";
import { openPty } from "./_pty.ts";
import { libraryPath } from "../ffi/load.ts";
import { spawnSync } from "node:child_process";
import { closeSync, constants, existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("fd.pipe() gives a non-blocking pipe: read returns null when empty, 0 at EOF", () => {
  const [r, w] = fd.pipe();
  const buf = new Uint8Array(8);
  assertEquals(fd.read(r, buf), null);
  assertEquals(fd.write(w, new Uint8Array([1, 2])), 2);
  assertEquals(fd.read(r, buf), 2);
  fd.close(w);
  assertEquals(fd.read(r, buf), 0);
  fd.close(r);
});

test("fd.write() returns null when the pipe is full", () => {
  const [r, w] = fd.pipe();
  const chunk = new Uint8Array(65536);
  let full = false;
  for (let i = 0; i < 64 && !full; i++) full = fd.write(w, chunk) === null;
  assert(full);
  fd.close(r);
  fd.close(w);
});

test("fd.write() to a socket whose peer closed is EPIPE, not a fatal SIGPIPE", () => {
  const [a, b] = fd.socketpair();
  fd.close(b);
  const error = assertThrows(() => fd.write(a, new Uint8Array(1)), SystemError);
  assertEquals((error as SystemError).code, "EPIPE");
  fd.close(a);
});

test("fd.close() of an fd that is not open throws SystemError EBADF", () => {
  const [r, w] = fd.pipe();
  fd.close(r);
  const error = assertThrows(() => fd.close(r), SystemError, `Cannot close fd ${r}`);
  assertInstanceOf(error, SystemError);
  assertEquals(error.code, "EBADF");
  assertEquals(error.syscall, "close");
  assert(error.errno > 0);
  fd.close(w);
});

test("fd.tcpConnect() to a closed port reports ECONNREFUSED through socketError()", async () => {
  const server = fd.tcpListen("127.0.0.1", 0);
  const port = fd.localPort(server);
  fd.close(server);
  const client = fd.tcpConnect("127.0.0.1", port);
  // The refusal is immediate on loopback; give the kernel a turn at most.
  let error: SystemError | null = null;
  for (let i = 0; i < 100 && error === null; i++) {
    error = fd.socketError(client);
    if (error === null) await new Promise((r) => setTimeout(r, 1));
  }
  assertEquals(error?.code, "ECONNREFUSED");
  fd.close(client);
});

test("fd.tcpListen() on a taken port is EADDRINUSE; a bad host is EINVAL", () => {
  const server = fd.tcpListen("127.0.0.1", 0);
  const error = assertThrows(() => fd.tcpListen("127.0.0.1", fd.localPort(server)), SystemError);
  assertEquals((error as SystemError).code, "EADDRINUSE");
  const bad = assertThrows(() => fd.tcpListen("not-an-address", 0), SystemError);
  assertEquals((bad as SystemError).code, "EINVAL");
  fd.close(server);
});

test("fd.tcpListen() with reusePort: two listeners on one port both accept", async () => {
  const a = fd.tcpListen("127.0.0.1", 0, { reusePort: true, backlog: 64 });
  const port = fd.localPort(a);
  const b = fd.tcpListen("127.0.0.1", port, { reusePort: true });
  assertEquals(fd.localPort(b), port);
  // The kernel spreads connections by a hash of the client's address:
  // 32 clients all landing on one listener has odds of 2^-31.
  const clients = Array.from({ length: 32 }, () => fd.tcpConnect("127.0.0.1", port));
  const accepted = new Map<number, number[]>([[a, []], [b, []]]);
  using loop = new EventLoop();
  const onAccept = (listener: number) => {
    for (let c = fd.tcpAccept(listener); c !== null; c = fd.tcpAccept(listener)) {
      accepted.get(listener)!.push(c);
    }
    const total = accepted.get(a)!.length + accepted.get(b)!.length;
    if (total === clients.length) loop.stop();
  };
  loop.addReader(a, onAccept, a);
  loop.addReader(b, onAccept, b);
  await loop.runForever();
  loop.removeReader(a);
  loop.removeReader(b);
  assert(accepted.get(a)!.length > 0, "the first listener accepted none");
  assert(accepted.get(b)!.length > 0, "the second listener accepted none");
  for (const c of [...clients, ...accepted.get(a)!, ...accepted.get(b)!, a, b]) fd.close(c);
});

test("fd.tcpListen() without reusePort on both sockets is EADDRINUSE", () => {
  const a = fd.tcpListen("127.0.0.1", 0, { reusePort: true });
  const error = assertThrows(() => fd.tcpListen("127.0.0.1", fd.localPort(a)), SystemError);
  assertEquals((error as SystemError).code, "EADDRINUSE");
  const plain = fd.tcpListen("127.0.0.1", 0, { backlog: 4 });
  const other = assertThrows(
    () => fd.tcpListen("127.0.0.1", fd.localPort(plain), { reusePort: true }),
    SystemError,
  );
  assertEquals((other as SystemError).code, "EADDRINUSE");
  fd.close(a);
  fd.close(plain);
});

test("fd.sendOob() and fd.recvOob() move one urgent byte over TCP", async () => {
  const server = fd.tcpListen("127.0.0.1", 0);
  const client = fd.tcpConnect("127.0.0.1", fd.localPort(server));
  let peer: number | null = null;
  for (let i = 0; i < 1000 && peer === null; i++) {
    peer = fd.tcpAccept(server);
    if (peer === null) await new Promise((r) => setTimeout(r, 1));
  }
  assert(peer !== null);
  fd.sendOob(client, 0x5a);
  let byte: number | null = null;
  for (let i = 0; i < 1000 && byte === null; i++) {
    byte = fd.recvOob(peer);
    if (byte === null) await new Promise((r) => setTimeout(r, 1));
  }
  assertEquals(byte, 0x5a);
  for (const x of [client, peer, server]) fd.close(x);
});

test("fd.setNonBlocking() toggles O_NONBLOCK and fails on a closed fd", () => {
  const [r, w] = fd.pipe();
  fd.setNonBlocking(r, false);
  fd.setNonBlocking(r, true);
  assertEquals(fd.read(r, new Uint8Array(1)), null);
  fd.close(r);
  const error = assertThrows(() => fd.setNonBlocking(r, true), SystemError);
  assertEquals((error as SystemError).code, "EBADF");
  fd.close(w);
});

test("fd.read() with an empty buffer throws a RangeError, not 0 as at end of file", () => {
  const [r, w] = fd.pipe();
  fd.write(w, new Uint8Array([1]));
  assertThrows(() => fd.read(r, new Uint8Array(0)), RangeError, "the buffer is empty");
  assertEquals(fd.read(r, new Uint8Array(1)), 1); // the byte is still there
  fd.close(r);
  fd.close(w);
});

test("fd.read() on a FIFO opened by node:fs with O_NONBLOCK returns null, not blocks", () => {
  const dir = mkdtempSync(join(tmpdir(), "evloop-fifo-"));
  const path = join(dir, "fifo");
  try {
    const made = spawnSync("mkfifo", [path]);
    assertEquals(made.status, 0, "mkfifo failed");
    // O_RDWR keeps a FIFO open without a peer (Linux); O_NONBLOCK makes an
    // empty read EAGAIN.
    const f = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    assertEquals(fd.read(f, new Uint8Array(4)), null);
    assertEquals(fd.write(f, new Uint8Array([5, 6])), 2);
    const buf = new Uint8Array(4);
    assertEquals(fd.read(f, buf), 2);
    assertEquals([...buf.subarray(0, 2)], [5, 6]);
    closeSync(f);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("fd.write to a pipe, a socket and a pty; a pipe's number closed and reused as a socket gets EPIPE", () => {
  const buf = new Uint8Array(16);
  const [r, w] = fd.pipe();
  const [a, b] = fd.socketpair();
  const pty = openPty();
  // A pipe and a pty are written with write(2) (learned once), a socket
  // with send(2): the bytes arrive either way.
  for (const [to, from] of [[w, r], [a, b], [pty.slave, pty.master]]) {
    for (let i = 0; i < 3; i++) assertEquals(fd.write(to, new Uint8Array([1, 2, 3])), 3);
    let got = 0;
    for (let n = fd.read(from, buf); n !== null; n = fd.read(from, buf)) got += n;
    assert(got >= 9, `${got} bytes`); // a pty may add a CR per LF (there is none)
  }
  // The pipe's write end closed through fd.close: its number comes back as
  // a socket whose peer is gone, and a write says EPIPE (send, MSG_NOSIGNAL).
  fd.close(r);
  const number = w;
  fd.close(w);
  const [c, d] = fd.socketpair();
  const reused = c === number ? c : d === number ? d : -1;
  assert(reused >= 0, `expected fd ${number} reused, got ${c} and ${d}`);
  fd.close(reused === c ? d : c);
  const error = assertThrows(() => fd.write(reused, new Uint8Array(1)), SystemError);
  assertEquals((error as SystemError).code, "EPIPE");
  for (const f of [reused, a, b, pty.master, pty.slave]) fd.close(f);
});

test("el_fd_write and EL_EDGE natively: pipe, socket and reused numbers, edges once per change", () => {
  // tests/c/edge_write.c, also run under ASan and TSan by scripts/ci.
  const path = libraryPath.replace(/libevloop\.(so|dylib)$/, "evloop_test_edge_write");
  if (!existsSync(path)) throw new Error(`${path} is missing: build with \`npm run build\``);
  const result = spawnSync(path, [], { encoding: "utf8", timeout: 60_000 });
  assertEquals(result.status, 0, `${result.stdout}${result.stderr}`);
  assert(result.stdout.includes("all ok"), result.stdout);
});
