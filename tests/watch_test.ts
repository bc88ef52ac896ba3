// loop.watch(): the fired mask, update() with one system call, one owner
// per fd, pause, cancel and dispose, on both APIs in both modes.
import { EventLoop, fd, IOEvents, IOLoop, SystemError } from "@evloop/evloop";
import {
  assert,
  assertEquals,
  assertFalse,
  assertInstanceOf,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { closeSync, openSync } from "node:fs";
import { reportsPri, test } from "./_harness.ts";
import { assertIdle, eachLoop } from "./_loops.ts";

function assertEexist(fn: () => unknown): void {
  const error = assertThrows(fn, SystemError);
  assertEquals((error as SystemError).code, "EEXIST");
}

eachLoop(
  test,
  "watch() calls back with the fired mask, then update() switches interest",
  async (s) => {
    const [a, b] = fd.socketpair();
    const seen: number[] = [];
    await s.during(() =>
      new Promise<void>((resolve) => {
        const watch = s.loop.watch(a, IOEvents.WRITE, (events) => {
          seen.push(events);
          if (events & IOEvents.WRITE) {
            fd.write(a, new Uint8Array([1]));
            watch.update(IOEvents.READ);
            assertEquals(watch.events, IOEvents.READ);
          } else {
            assertEquals(fd.read(a, new Uint8Array(4)), 1);
            watch.cancel();
            resolve();
          }
        });
        // The peer answers the first byte.
        const peer = s.loop.watch(b, IOEvents.READ, () => {
          fd.read(b, new Uint8Array(4));
          fd.write(b, new Uint8Array([2]));
          peer.cancel();
        });
      })
    );
    assertEquals(seen, [IOEvents.WRITE, IOEvents.READ]);
    assertIdle(s);
    fd.close(a);
    fd.close(b);
  },
);

eachLoop(test, "watch() reports a hang-up apart from readability", async (s) => {
  const [a, b] = fd.socketpair();
  fd.write(b, new Uint8Array([9]));
  fd.close(b);
  const mask = await s.during(() =>
    new Promise<number>((resolve) => {
      const watch = s.loop.watch(a, IOEvents.READ, (events) => {
        watch.cancel();
        resolve(events);
      });
    })
  );
  // The callback ran with READ and HUP together: the data is still there.
  assert(mask & IOEvents.READ, `mask 0x${mask.toString(16)}`);
  assert(mask & IOEvents.HUP, `mask 0x${mask.toString(16)}`);
  assertEquals(fd.read(a, new Uint8Array(4)), 1);
  assertEquals(fd.read(a, new Uint8Array(4)), 0);
  fd.close(a);
});

eachLoop(test, "watch() with WRITE only still gets ERR and HUP when the peer goes", async (s) => {
  const [a, b] = fd.socketpair();
  const masks: number[] = [];
  await s.during(() =>
    new Promise<void>((resolve) => {
      const watch = s.loop.watch(a, IOEvents.WRITE, (events) => {
        masks.push(events);
        if (masks.length === 1) {
          watch.update(0); // paused: nothing more until resumed
          fd.close(b);
          s.loop.sleep(5).then(() => watch.update(IOEvents.WRITE));
        } else {
          watch.cancel();
          resolve();
        }
      });
    })
  );
  assertEquals(masks[0], IOEvents.WRITE);
  assert(masks[1] & IOEvents.HUP, `mask 0x${masks[1].toString(16)}`);
  assertIdle(s);
  fd.close(a);
});

if (reportsPri) {
  eachLoop(test, "watch() with PRI sees TCP out-of-band data", async (s) => {
    const server = fd.tcpListen("127.0.0.1", 0);
    const client = fd.tcpConnect("127.0.0.1", fd.localPort(server));
    let peer = -1;
    const mask = await s.during(async () => {
      await s.loop.writable(client);
      await s.loop.readable(server);
      peer = fd.tcpAccept(server)!;
      fd.sendOob(client, 0x21);
      return new Promise<number>((resolve) => {
        const watch = s.loop.watch(peer, IOEvents.PRI, (events) => {
          watch.cancel();
          resolve(events);
        });
      });
    });
    assert(mask & IOEvents.PRI);
    assertEquals(fd.recvOob(peer), 0x21);
    assertIdle(s);
    for (const f of [peer, client, server]) fd.close(f);
  });
}

eachLoop(
  test,
  "watch() is the one owner of its fd: readers, handlers and waits get EEXIST",
  async (s) => {
    const [r, w] = fd.pipe();
    const watch = s.loop.watch(r, IOEvents.READ, () => {});
    assertEexist(() => s.loop.watch(r, IOEvents.READ, () => {}));
    const loop = s.raw;
    if (loop instanceof EventLoop) {
      assertEexist(() => loop.addReader(r, () => {}));
      assertEexist(() => loop.addWriter(r, () => {}));
    } else {
      assertFalse(loop.addHandler(r, IOLoop.READ, () => {}));
    }
    const error = await assertRejects(() => s.loop.readable(r), SystemError);
    assertEquals((error as SystemError).code, "EEXIST");
    assertEexist(() => s.loop.streams(r));
    // Paused, it still owns the fd.
    watch.update(0);
    assertEexist(() => s.loop.watch(r, IOEvents.READ, () => {}));
    watch.cancel();
    // And the other way round.
    if (loop instanceof EventLoop) {
      loop.addReader(r, () => {});
      assertEexist(() => loop.watch(r, IOEvents.READ, () => {}));
      loop.removeReader(r);
    } else {
      loop.addHandler(r, IOLoop.READ, () => {});
      assertEexist(() => loop.watch(r, IOEvents.READ, () => {}));
      loop.removeHandler(r);
    }
    assertIdle(s);
    fd.close(r);
    fd.close(w);
  },
);

eachLoop(
  test,
  "Watch.update() makes one system call per change and checks its input",
  (s) => {
    const [a, b] = fd.socketpair();
    const poller = s.core.poller;
    const ctl = poller.ctl.bind(poller);
    let calls = 0;
    poller.ctl = (op, f, events) => {
      calls++;
      return ctl(op, f, events);
    };
    try {
      const watch = s.loop.watch(a, IOEvents.READ, () => {});
      assertEquals(calls, 1);
      watch.update(IOEvents.WRITE);
      assertEquals(calls, 2);
      watch.update(IOEvents.READ | IOEvents.WRITE | IOEvents.PRI);
      assertEquals(calls, 3);
      assertThrows(() => watch.update(0x40), RangeError);
      assertThrows(() => watch.update(IOEvents.HUP), RangeError);
      assertThrows(() => watch.update("1" as unknown as number), TypeError);
      assertEquals(watch.events, IOEvents.READ | IOEvents.WRITE | IOEvents.PRI);
      watch.cancel();
      assert(watch.cancelled);
      assertThrows(() => watch.update(IOEvents.READ), Error, "cancelled");
    } finally {
      poller.ctl = ctl;
    }
    assertIdle(s);
    fd.close(a);
    fd.close(b);
  },
);

eachLoop(test, "watch() refuses bad input and a regular file with clear errors", (s) => {
  assertThrows(() => s.loop.watch(-1, IOEvents.READ, () => {}), RangeError);
  assertThrows(() => s.loop.watch(0, 8, () => {}), RangeError, "READ, PRI and WRITE");
  assertThrows(() => s.loop.watch(0, IOEvents.READ, null as never), TypeError);
  const file = openSync(import.meta.filename ?? new URL(import.meta.url).pathname, "r");
  const error = assertThrows(() => s.loop.watch(file, IOEvents.READ, () => {}), SystemError);
  assertEquals((error as SystemError).code, "EPERM");
  closeSync(file);
  assertIdle(s);
  return Promise.resolve();
});

eachLoop(
  test,
  "Watch cancelled in an earlier callback of the same batch is not called",
  async (s) => {
    const [a, b] = fd.socketpair();
    const [c, d] = fd.socketpair();
    fd.write(b, new Uint8Array([1]));
    fd.write(d, new Uint8Array([1]));
    let calls = 0;
    await s.during(async () => {
      const first: { w?: ReturnType<typeof s.loop.watch> } = {};
      const second = s.loop.watch(c, IOEvents.READ, () => {
        calls++;
        first.w!.cancel();
        second.cancel();
      });
      first.w = s.loop.watch(a, IOEvents.READ, () => {
        calls++;
        first.w!.cancel();
        second.cancel();
      });
      await s.loop.sleep(5);
    });
    assertEquals(calls, 1);
    assertIdle(s);
    for (const f of [a, b, c, d]) fd.close(f);
  },
);

eachLoop(test, "Watch ends with using, with fd.close and with the loop", (s) => {
  const [r, w] = fd.pipe();
  {
    using watch = s.loop.watch(r, IOEvents.READ, () => {});
    assertEquals(watch.fd, r);
  }
  assertIdle(s, "after using");
  const watch = s.loop.watch(r, IOEvents.READ, () => {});
  fd.close(r);
  assert(watch.cancelled);
  assertIdle(s, "after fd.close");
  const [r2, w2] = fd.pipe();
  const last = s.loop.watch(r2, IOEvents.READ, () => {});
  s.close();
  assert(last.cancelled);
  assertThrows(() => s.loop.watch(r2, IOEvents.READ, () => {}), Error, "closed");
  for (const f of [w, r2, w2]) fd.close(f);
  return Promise.resolve();
});

test("EventLoop.watch(): a paused watch does not keep run() going; an exception is reported and the watch stays", async () => {
  using loop = new EventLoop();
  const [a, b] = fd.socketpair();
  const errors: unknown[] = [];
  loop.setExceptionHandler((error) => errors.push(error));
  let calls = 0;
  const watch = loop.watch(a, IOEvents.WRITE, function failing() {
    if (++calls === 2) watch.update(0);
    throw new Error(`boom ${calls}`);
  });
  await loop.run();
  assertEquals(calls, 2);
  assertEquals(errors.length, 2);
  assertInstanceOf(errors[0], Error);
  assertFalse(watch.cancelled);
  watch.cancel();
  fd.close(a);
  fd.close(b);
  return Promise.resolve();
});
