// loop.readable() / loop.writable(): promises of the fired mask, the abort
// rules, sharing one registration per fd, and no leaks.
import { EventLoop, fd, IOEvents, SystemError } from "@evloop/evloop";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { test } from "./_harness.ts";
import { assertIdle, eachLoop } from "./_loops.ts";

/** Counts the abort listeners a signal holds (it must not collect them). */
function spyListeners(signal: AbortSignal): { readonly live: number } {
  let live = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    live++;
    return add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    live--;
    return remove(...args);
  }) as typeof remove;
  return {
    get live() {
      return live;
    },
  };
}

eachLoop(test, "readable() and writable() resolve with the fired mask", async (s) => {
  const [a, b] = fd.socketpair();
  const [read, written] = await s.during(() => {
    const r = s.loop.readable(b);
    const w = s.loop.writable(a);
    // Both directions of one fd share one registration.
    const both = s.loop.readable(a);
    assertEquals(s.core.watchCount, 2);
    fd.write(a, new Uint8Array([1]));
    fd.write(b, new Uint8Array([2]));
    return Promise.all([r, w, both]);
  });
  assert(read & IOEvents.READ);
  assert(written & IOEvents.WRITE);
  await Promise.resolve();
  assertIdle(s);
  fd.close(a);
  fd.close(b);
});

eachLoop(test, "readable() resolves with HUP when the peer closes", async (s) => {
  const [a, b] = fd.socketpair();
  const mask = await s.during(() => {
    const p = s.loop.readable(a);
    fd.close(b);
    return p;
  });
  assert(mask & IOEvents.HUP, `mask 0x${mask.toString(16)}`);
  assertIdle(s);
  fd.close(a);
});

eachLoop(
  test,
  "readable() with an aborted signal rejects at once and registers nothing",
  async (s) => {
    const [r, w] = fd.pipe();
    const reason = new Error("already");
    const p = s.loop.readable(r, { signal: AbortSignal.abort(reason) });
    assertEquals(s.core.watchCount, 0);
    assertEquals(await p.catch((e) => e), reason);
    const q = s.loop.sleep(10, { signal: AbortSignal.abort(reason) });
    assertEquals(s.core.timerCount, 0);
    assertEquals(await q.catch((e) => e), reason);
    fd.close(r);
    fd.close(w);
  },
);

eachLoop(
  test,
  "readable() rejects with signal.reason on abort and removes the watch",
  async (s) => {
    const [r, w] = fd.pipe();
    const controller = new AbortController();
    const result = await s.during(async () => {
      const p = s.loop.readable(r, { signal: controller.signal });
      assertEquals(s.core.watchCount, 1);
      await s.loop.sleep(2);
      controller.abort("stop");
      return await p.catch((e) => `rejected: ${e}`);
    });
    assertEquals(result, "rejected: stop");
    await Promise.resolve();
    assertIdle(s);
    fd.close(r);
    fd.close(w);
  },
);

eachLoop(
  test,
  "readable() abort races: ready and aborted in one iteration settle once, nothing left",
  async (s) => {
    const [a, b] = fd.socketpair();
    const controller = new AbortController();
    const listeners = spyListeners(controller.signal);
    const outcomes = await s.during(async () => {
      const out: string[] = [];
      for (let i = 0; i < 50; i++) {
        const c = new AbortController();
        const p = s.loop.readable(b, { signal: c.signal });
        fd.write(a, new Uint8Array([i]));
        // Aborted in the same turn as the data arrives, or one iteration on.
        if (i % 2 === 0) c.abort("late");
        else s.loop.sleep(0).then(() => c.abort("late"));
        out.push(await p.then(() => "resolved", (e) => String(e)));
        fd.read(b, new Uint8Array(64));
      }
      // A long-lived signal shared by many waits collects no listeners.
      for (let i = 0; i < 50; i++) {
        const p = s.loop.readable(b, { signal: controller.signal });
        fd.write(a, new Uint8Array([i]));
        await p;
        fd.read(b, new Uint8Array(64));
      }
      return out;
    });
    assert(outcomes.every((o) => o === "resolved" || o === "late"), outcomes.join());
    assert(outcomes.includes("late"));
    assertEquals(listeners.live, 0);
    await Promise.resolve();
    assertIdle(s);
    fd.close(a);
    fd.close(b);
  },
);

eachLoop(
  test,
  "readable() abandoned in a race leaves nothing once the loser is aborted",
  async (s) => {
    const [r, w] = fd.pipe();
    const winner = await s.during(async () => {
      const controller = new AbortController();
      const { signal } = controller;
      const result = await Promise.race([
        s.loop.readable(r, { signal }).then(() => "readable"),
        s.loop.sleep(3, { signal }).then(() => "slept"),
      ]);
      controller.abort();
      return result;
    });
    assertEquals(winner, "slept");
    await Promise.resolve();
    assertIdle(s);
    fd.close(r);
    fd.close(w);
  },
);

eachLoop(
  test,
  "readable() rejects when the fd is closed or the loop goes, and on bad input",
  async (s) => {
    const [r, w] = fd.pipe();
    const closed = s.loop.readable(r);
    fd.close(r);
    const error = await closed.catch((e) => e);
    assert(String(error).includes("closed"), String(error));
    await assertRejects(() => s.loop.readable(-1), RangeError);
    await assertRejects(() => s.loop.readable("3" as unknown as number), TypeError);
    await assertRejects(
      () => s.loop.readable(w, { signal: "x" as unknown as AbortSignal }),
      TypeError,
      "AbortSignal",
    );
    const [r2, w2] = fd.pipe();
    const last = s.loop.readable(r2);
    s.close();
    const gone = await last.catch((e) => e);
    assert(String(gone).includes("loop was closed"), String(gone));
    await assertRejects(() => s.loop.readable(r2), Error, "closed");
    for (const f of [w, r2, w2]) fd.close(f);
  },
);

eachLoop(test, "readable() on a regular file rejects with EPERM", async (s) => {
  const { openSync, closeSync } = await import("node:fs");
  const file = openSync(new URL(import.meta.url).pathname, "r");
  const error = await s.loop.readable(file).catch((e) => e);
  assert(error instanceof SystemError && error.code === "EPERM", String(error));
  closeSync(file);
  assertIdle(s);
});

eachLoop(
  test,
  "readable() re-armed in the awaiting code makes no system call per round",
  async (s) => {
    const [a, b] = fd.socketpair();
    const poller = s.core.poller;
    const ctl = poller.ctl.bind(poller);
    let calls = 0;
    poller.ctl = (op, f, events) => {
      calls++;
      return ctl(op, f, events);
    };
    const buf = new Uint8Array(1);
    try {
      await s.during(async () => {
        const pong = (async () => {
          for (let i = 0; i < 200; i++) {
            await s.loop.readable(b);
            fd.read(b, buf);
            fd.write(b, buf);
          }
        })();
        for (let i = 0; i < 200; i++) {
          fd.write(a, buf);
          await s.loop.readable(a);
          fd.read(a, buf);
        }
        await pong;
      });
    } finally {
      poller.ctl = ctl;
    }
    // An ADD per fd, a DEL per fd at the end: not 800.
    assert(calls <= 8, `${calls} epoll_ctl calls`);
    await Promise.resolve();
    assertIdle(s);
    fd.close(a);
    fd.close(b);
  },
);

test("EventLoop.readable(): a pending wait keeps run() going until it settles", async () => {
  using loop = new EventLoop();
  const [r, w] = fd.pipe();
  let mask = 0;
  loop.readable(r).then((m) => mask = m);
  loop.callLater(5, () => fd.write(w, new Uint8Array([1])));
  await loop.run();
  assert(mask & IOEvents.READ);
  fd.close(r);
  fd.close(w);
});

eachLoop(
  test,
  "readable() pending on an fd given to forget() rejects, and the fd stays open",
  async (s) => {
    const [r, w] = fd.pipe();
    const pending = s.loop.readable(r);
    assert(s.raw.forget(r));
    const error = await pending.catch((e) => e);
    assert(String(error).includes("forgotten"), String(error));
    assertIdle(s);
    assertEquals(fd.write(w, new Uint8Array([1])), 1);
    assertEquals(fd.read(r, new Uint8Array(4)), 1);
    fd.close(r);
    fd.close(w);
  },
);

eachLoop(
  test,
  "a settled readable()/writable() does not keep the fd from its next owner",
  async (s) => {
    const [a, b] = fd.socketpair();
    await s.during(async () => {
      // Straight after the await, before any other turn: the settled wait's
      // interest is still registered, and must not answer EEXIST.
      await s.loop.writable(a);
      const watch = s.loop.watch(a, IOEvents.WRITE, () => {});
      watch.cancel();
      await s.loop.writable(a);
      const streams = s.loop.streams(a);
      streams.close();
      await s.loop.writable(a);
      const raw = s.raw;
      if (raw instanceof EventLoop) {
        raw.addWriter(a, () => {});
        raw.removeWriter(a);
      } else {
        assert(raw.addHandler(a, IOEvents.WRITE, () => {}));
        raw.removeHandler(a);
      }
    });
    await Promise.resolve();
    assertIdle(s);
    fd.close(a);
    fd.close(b);
  },
);
