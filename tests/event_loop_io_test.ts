// EventLoop readers and writers on real kernel objects (level-triggered
// readiness, error and hang-up, fds closed or reused), in both drivers.
import { EventLoop, fd, SystemError } from "@evloop/evloop";
import { assert, assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import { openSync } from "node:fs";
import { test } from "./_harness.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

for (const mode of ["hosted", "exclusive"] as const) {
  test(`EventLoop.addReader() on a socketpair gets the data (${mode})`, async () => {
    using loop = new EventLoop({ mode });
    const [a, b] = fd.socketpair();
    let got = "";
    loop.addReader(b, (tag: string) => {
      const buf = new Uint8Array(64);
      const n = fd.read(b, buf)!;
      got = tag + new TextDecoder().decode(buf.subarray(0, n));
      loop.removeReader(b);
    }, ">");
    loop.callLater(1, () => fd.write(a, bytes("ping")));
    await loop.run();
    assertEquals(got, ">ping");
    fd.close(a);
    fd.close(b);
  });

  test(`EventLoop.addReader() is level-triggered: called again while data stays unread (${mode})`, async () => {
    using loop = new EventLoop({ mode });
    const [a, b] = fd.socketpair();
    fd.write(a, bytes("xyz"));
    let calls = 0;
    loop.addReader(b, () => {
      // Reads nothing: the data stays, so the reader must come back.
      if (++calls === 5) {
        loop.removeReader(b);
        fd.read(b, new Uint8Array(8));
      }
    });
    await loop.run();
    assertEquals(calls, 5);
    fd.close(a);
    fd.close(b);
  });

  test(`EventLoop ping-pong over TCP on 127.0.0.1 (${mode})`, async () => {
    using loop = new EventLoop({ mode });
    const server = fd.tcpListen("127.0.0.1", 0);
    const client = fd.tcpConnect("127.0.0.1", fd.localPort(server));
    let peer = -1;
    let rounds = 0;
    const buf = new Uint8Array(1);
    loop.addReader(server, () => {
      peer = fd.tcpAccept(server) ?? -1;
      if (peer < 0) return;
      loop.removeReader(server);
      loop.addReader(peer, () => {
        if (fd.read(peer, buf) === 1) fd.write(peer, buf);
      });
    });
    loop.addWriter(client, () => {
      loop.removeWriter(client);
      assertEquals(fd.socketError(client), null);
      fd.write(client, new Uint8Array([1]));
      loop.addReader(client, () => {
        if (fd.read(client, buf) !== 1) return;
        if (++rounds === 100) {
          loop.removeReader(client);
          loop.removeReader(peer);
        } else fd.write(client, buf);
      });
    });
    await loop.run();
    assertEquals(rounds, 100);
    fd.close(client);
    fd.close(peer);
    fd.close(server);
  });
}

test("EventLoop.removeReader() inside its own callback stops it", async () => {
  using loop = new EventLoop();
  const [a, b] = fd.socketpair();
  fd.write(a, bytes("data that stays"));
  let calls = 0;
  loop.addReader(b, () => {
    calls++;
    assert(loop.removeReader(b));
  });
  await loop.run(); // nothing else keeps it alive once removed
  assertEquals(calls, 1);
  fd.close(a);
  fd.close(b);
});

test("EventLoop: a watcher removed by an earlier callback in the same batch does not fire", async () => {
  using loop = new EventLoop();
  const [a1, b1] = fd.socketpair();
  const [a2, b2] = fd.socketpair();
  fd.write(a1, bytes("1"));
  fd.write(a2, bytes("2"));
  const fired: number[] = [];
  // Both are ready in the same poll; whichever runs first removes the other.
  loop.addReader(b1, () => {
    fired.push(b1);
    loop.removeReader(b1);
    loop.removeReader(b2);
  });
  loop.addReader(b2, () => {
    fired.push(b2);
    loop.removeReader(b1);
    loop.removeReader(b2);
  });
  await loop.run();
  assertEquals(fired.length, 1);
  for (const x of [a1, b1, a2, b2]) fd.close(x);
});

test("EventLoop: Handler.cancel() of a reader removes it", async () => {
  using loop = new EventLoop();
  const [a, b] = fd.socketpair();
  fd.write(a, bytes("x"));
  let calls = 0;
  const handler = loop.addReader(b, () => {
    calls++;
    handler.cancel();
  });
  await loop.run();
  assertEquals(calls, 1);
  assert(!loop.removeReader(b), "cancel() removed the reader");
  fd.close(a);
  fd.close(b);
});

test("EventLoop: closing the peer calls both the reader and the writer", async () => {
  using loop = new EventLoop();
  const [a, b] = fd.socketpair();
  // Fill b's send buffer so the writer is not called for plain writability.
  const chunk = new Uint8Array(65536);
  while (fd.write(b, chunk) !== null);
  const called: string[] = [];
  loop.addReader(b, () => {
    called.push("reader");
    loop.removeReader(b);
  });
  loop.addWriter(b, () => {
    called.push("writer");
    loop.removeWriter(b);
  });
  loop.callLater(1, () => fd.close(a));
  await loop.run();
  assertEquals(called.sort(), ["reader", "writer"]);
  fd.close(b);
});

test("EventLoop: a reader and a writer on one fd coexist", async () => {
  using loop = new EventLoop();
  const [a, b] = fd.socketpair();
  const seen: string[] = [];
  loop.addWriter(b, () => {
    seen.push("writable");
    loop.removeWriter(b);
    fd.write(a, bytes("!"));
  });
  loop.addReader(b, () => {
    seen.push("readable");
    fd.read(b, new Uint8Array(4));
    loop.removeReader(b);
  });
  await loop.run();
  assertEquals(seen, ["writable", "readable"]);
  fd.close(a);
  fd.close(b);
});

test("EventLoop.addReader() a second time on one fd throws; a writer on it is fine", () => {
  using loop = new EventLoop();
  const [r, w] = fd.pipe();
  loop.addReader(r, () => {});
  assertThrows(
    () => loop.addReader(r, () => {}),
    Error,
    `Cannot add reader for fd ${r}: fd is already watched`,
  );
  loop.addWriter(w, () => {});
  assertThrows(() => loop.addWriter(w, () => {}), Error, "already watched");
  assert(loop.removeReader(r) && loop.removeWriter(w));
  fd.close(r);
  fd.close(w);
});

test("fd.close() of a watched fd removes the watcher first", async () => {
  using loop = new EventLoop();
  const [r, w] = fd.pipe();
  loop.addReader(r, () => {});
  fd.close(r);
  assert(!loop.removeReader(r));
  await loop.run(); // nothing is watched any more: run() ends
  fd.close(w);
});

test("EventLoop: a reused fd number after close can be watched again", async () => {
  using loop = new EventLoop();
  const [r1, w1] = fd.pipe();
  loop.addReader(r1, () => {});
  fd.close(r1);
  fd.close(w1);
  const [r2, w2] = fd.pipe(); // the kernel hands out the lowest free numbers
  assertEquals(r2, r1);
  let got = false;
  loop.addReader(r2, () => {
    got = true;
    loop.removeReader(r2);
  });
  fd.write(w2, bytes("x"));
  await loop.run();
  assert(got);
  fd.close(r2);
  fd.close(w2);
});

test("EventLoop: dup'd fds are watched independently", async () => {
  using loop = new EventLoop();
  const [r, w] = fd.pipe();
  const r2 = fd.dup(r);
  const seen: number[] = [];
  let again = false;
  const secondPhase = () => {
    // Closing one number leaves the other watched and working.
    fd.close(r);
    loop.addReader(r2, () => {
      again = true;
      loop.removeReader(r2);
    });
  };
  loop.addReader(r, () => {
    seen.push(r);
    loop.removeReader(r);
    if (seen.length === 2) loop.callSoon(secondPhase);
  });
  loop.addReader(r2, () => {
    seen.push(r2);
    loop.removeReader(r2);
    if (seen.length === 2) loop.callSoon(secondPhase);
  });
  fd.write(w, bytes("x"));
  await loop.run();
  assertEquals(seen.sort(), [r, r2].sort());
  assert(again);
  fd.close(r2);
  fd.close(w);
});

test("EventLoop: spurious readiness is harmless on a non-blocking fd", async () => {
  using loop = new EventLoop();
  const [a, b] = fd.socketpair();
  fd.write(a, bytes("x"));
  let reads: (number | null)[] = [];
  loop.addReader(b, () => {
    // A second read finds nothing: EAGAIN reads as null, never blocks.
    const buf = new Uint8Array(8);
    reads = [fd.read(b, buf), fd.read(b, buf)];
    loop.removeReader(b);
  });
  await loop.run();
  assertEquals(reads, [1, null]);
  fd.close(a);
  fd.close(b);
});

test("EventLoop.addReader() on an fd that is not open throws SystemError EBADF", () => {
  using loop = new EventLoop();
  const [r, w] = fd.pipe();
  fd.close(r);
  const error = assertThrows(() => loop.addReader(r, () => {}), SystemError);
  assertInstanceOf(error, SystemError);
  assertEquals(error.code, "EBADF");
  assertEquals(error.syscall, "epoll_ctl");
  assert(error.message.startsWith(`Cannot add reader for fd ${r}: `), error.message);
  // The loop is still usable and the fd is not half-registered.
  assert(!loop.removeReader(r));
  loop.callSoon(() => {});
  fd.close(w);
});

test("EventLoop.addReader() on a regular file gives a clear EPERM error", () => {
  using loop = new EventLoop();
  const file = openRegularFile();
  try {
    const error = assertThrows(() => loop.addReader(file, () => {}), SystemError);
    assertEquals((error as SystemError).code, "EPERM");
    assert(error.message.includes("regular file"), error.message);
    assert(!loop.removeReader(file));
  } finally {
    fd.close(file);
  }
});

function openRegularFile(): number {
  const url = new URL("../deno.json", import.meta.url);
  return openSync(decodeURIComponent(url.pathname), "r");
}
