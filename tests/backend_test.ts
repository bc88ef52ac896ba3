/**
 * What every poller backend (epoll, kqueue) must report the same way, read
 * through the shim's C functions directly. Where a difference is
 * documented (csrc/kqueue.c), the test reads `el_backend_name`.
 *
 * @module
 */
import { binding, lib } from "../ffi/load.ts";
import { errnoName } from "../src/sys/errors.ts";
import { fd } from "@evloop/evloop";
import { assert, assertEquals, assertGreaterOrEqual } from "@std/assert";
import { backend, test, within } from "./_harness.ts";

const READ = 0x001;
const PRI = 0x002;
const WRITE = 0x004;
const ERR = 0x008;
const HUP = 0x010;
const ADD = 1;
const MOD = 2;
const DEL = 3;
const CHECK = 4;
const WAKE = 0x1;

/** libkqueue on Linux: kqueue's semantics over epoll, with its limits. */
const libkqueue = backend === "kqueue" && binding.os === "linux";

/** A loop id of the shim, closed at the end of `fn`. */
function withLoop(fn: (id: number) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const id = lib.el_loop_open();
    assertGreaterOrEqual(id, 0, `el_loop_open failed: ${id}`);
    try {
      await fn(id);
    } finally {
      lib.el_loop_close(id);
    }
  };
}

/** Polls once (timeout 0 unless given) and returns fd -> events. */
function poll(id: number, timeoutMs = 0): Map<number, number> {
  const out = new Int32Array(2 * 64);
  const n = lib.el_poller_wait(id, out, 64, timeoutMs);
  assertGreaterOrEqual(n, 0, `el_poller_wait failed: ${n}`);
  const seen = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    assert(!seen.has(out[2 * i]), `fd ${out[2 * i]} reported twice in one wait`);
    seen.set(out[2 * i], out[2 * i + 1]);
  }
  return seen;
}

/** Polls until `fd` shows up (the kernel may take a moment: TCP, OOB). */
function pollFor(id: number, watched: number, mask: number): number {
  for (let i = 0; i < 50; i++) {
    const events = poll(id, 20).get(watched) ?? 0;
    if (events & mask) return events;
  }
  return poll(id).get(watched) ?? 0;
}

function code(result: number): string {
  return result < 0 ? errnoName(-result) : String(result);
}

test(`backend (${backend}): el_backend_name is epoll or kqueue`, () => {
  assert(backend === "epoll" || backend === "kqueue", backend);
});

test(
  "el_poller_ctl() retries ADD as MOD and MOD as ADD; DEL answers ENOENT and EBADF",
  withLoop((id) => {
    const [r, w] = fd.pipe();
    try {
      assertEquals(lib.el_poller_ctl(id, ADD, r, READ), 0);
      // EEXIST retried as MOD, ENOENT retried as ADD (libev, libuv).
      assertEquals(lib.el_poller_ctl(id, ADD, r, READ), 0);
      assertEquals(lib.el_poller_ctl(id, MOD, w, WRITE), 0);
      assertEquals(lib.el_poller_ctl(id, CHECK, w, 0), 1);
      assertEquals(lib.el_poller_ctl(id, DEL, w, 0), 0);
      assertEquals(code(lib.el_poller_ctl(id, DEL, w, 0)), "ENOENT");
      assertEquals(lib.el_poller_ctl(id, CHECK, w, 0), 0);
      assertEquals(lib.el_poller_ctl(id, MOD, r, READ | WRITE), 0);
      assertEquals(lib.el_poller_ctl(id, DEL, r, 0), 0);
      assertEquals(code(lib.el_poller_ctl(id, DEL, r, 0)), "ENOENT");
      assertEquals(code(lib.el_poller_ctl(id, ADD, 999_999, READ)), "EBADF");
      assertEquals(code(lib.el_poller_ctl(id, MOD, 999_999, READ)), "EBADF");
      assertEquals(code(lib.el_poller_ctl(id, ADD, -1, READ)), "EBADF");
      assertEquals(code(lib.el_poller_ctl(id, 9, r, READ)), "EINVAL");
    } finally {
      fd.close(r);
      fd.close(w);
    }
  }),
);

test(
  "el_poller_ctl() refuses a regular file with EPERM (kqueue would accept it)",
  withLoop(async (id) => {
    const path = `${
      binding.os === "darwin" ? "/private/tmp" : "/tmp"
    }/evloop-backend-${Date.now()}`;
    const { openSync, closeSync, unlinkSync } = await import("node:fs");
    const file = openSync(path, "w");
    try {
      assertEquals(code(lib.el_poller_ctl(id, ADD, file, READ)), "EPERM");
      assertEquals(code(lib.el_poller_ctl(id, MOD, file, READ)), "EPERM");
    } finally {
      closeSync(file);
      unlinkSync(path);
    }
  }),
);

test(
  "el_poller_wait() merges READ and WRITE of one fd into one pair",
  withLoop((id) => {
    const [a, b] = fd.socketpair();
    try {
      fd.write(b, new Uint8Array([1, 2, 3]));
      assertEquals(lib.el_poller_ctl(id, ADD, a, READ | WRITE), 0);
      const seen = poll(id);
      assertEquals(seen.size, 1);
      assertEquals(seen.get(a), READ | WRITE);
    } finally {
      fd.close(a);
      fd.close(b);
    }
  }),
);

test(
  "el_poller_wait() is level-triggered and follows MOD",
  withLoop((id) => {
    const [a, b] = fd.socketpair();
    try {
      fd.write(b, new Uint8Array([1]));
      assertEquals(lib.el_poller_ctl(id, ADD, a, READ), 0);
      assertEquals(poll(id).get(a), READ);
      assertEquals(poll(id).get(a), READ, "unread data is reported again");
      assertEquals(lib.el_poller_ctl(id, MOD, a, WRITE), 0);
      assertEquals(poll(id).get(a), WRITE);
      fd.read(a, new Uint8Array(8));
      assertEquals(lib.el_poller_ctl(id, MOD, a, READ), 0);
      assertEquals(poll(id).get(a), undefined, "drained: nothing to report");
    } finally {
      fd.close(a);
      fd.close(b);
    }
  }),
);

test(
  "el_poller_wait() reports HUP when the peer of a socketpair closes",
  withLoop((id) => {
    const [a, b] = fd.socketpair();
    try {
      assertEquals(lib.el_poller_ctl(id, ADD, a, READ), 0);
      assertEquals(poll(id).get(a), undefined);
      fd.close(b);
      const events = poll(id).get(a) ?? 0;
      assert(events & HUP, `expected HUP, got 0x${events.toString(16)}`);
      assert(events & READ, "end of file is readable");
      assertEquals(events & ERR, 0);
    } finally {
      fd.close(a);
    }
  }),
);

test(
  "el_poller_wait() reports no HUP on a half-close (shutdown of the peer's write side)",
  withLoop((id) => {
    const [a, b] = fd.socketpair();
    try {
      assertEquals(lib.el_poller_ctl(id, ADD, a, READ | WRITE), 0);
      fd.shutdown(b, "write");
      const events = poll(id).get(a) ?? 0;
      assertEquals(events & (READ | WRITE), READ | WRITE);
      // macOS's poll(2), which the kqueue backend asks after EV_EOF, calls a
      // half-close a hang-up; Linux (epoll, libkqueue) and FreeBSD do not.
      if (!(backend === "kqueue" && binding.os === "darwin")) assertEquals(events & HUP, 0);
    } finally {
      fd.close(a);
      fd.close(b);
    }
  }),
);

test(
  "el_poller_wait() reports HUP on a pipe whose writer closed and ERR on one whose reader closed",
  withLoop((id) => {
    const [r1, w1] = fd.pipe();
    const [r2, w2] = fd.pipe();
    try {
      assertEquals(lib.el_poller_ctl(id, ADD, r1, READ), 0);
      assertEquals(lib.el_poller_ctl(id, ADD, w2, WRITE), 0);
      fd.close(w1);
      fd.close(r2);
      const seen = poll(id);
      assertEquals(seen.get(r1), HUP, "empty pipe, writer gone: HUP alone, as epoll");
      const w = seen.get(w2) ?? 0;
      assert(w & ERR, `expected ERR on the write end, got 0x${w.toString(16)}`);
    } finally {
      fd.close(r1);
      fd.close(w2);
    }
  }),
);

test(
  "el_poller_wait() reports ERR for a refused TCP connect",
  withLoop((id) => {
    const listener = fd.tcpListen("127.0.0.1", 0);
    const port = fd.localPort(listener);
    fd.close(listener);
    const c = fd.tcpConnect("127.0.0.1", port);
    try {
      assertEquals(lib.el_poller_ctl(id, ADD, c, WRITE), 0);
      const events = pollFor(id, c, ERR);
      assert(events & ERR, `expected ERR, got 0x${events.toString(16)}`);
      assertEquals(fd.socketError(c)?.code, "ECONNREFUSED");
    } finally {
      fd.close(c);
    }
  }),
);

test(
  "el_poller_wait() reports PRI for out-of-band data where the platform can",
  withLoop((id) => {
    const listener = fd.tcpListen("127.0.0.1", 0);
    const c = fd.tcpConnect("127.0.0.1", fd.localPort(listener));
    let s: number | null = null;
    try {
      for (let i = 0; i < 100 && s === null; i++) {
        poll(id, 5);
        s = fd.tcpAccept(listener);
      }
      assert(s !== null, "connection accepted");
      assertEquals(lib.el_poller_ctl(id, ADD, s, READ | PRI), 0);
      fd.sendOob(c, 33);
      if (libkqueue) {
        // libkqueue has no EVFILT_EXCEPT and its EVFILT_READ is epoll's
        // EPOLLIN, which an urgent byte alone does not raise: nothing at all.
        for (let i = 0; i < 5; i++) assertEquals(poll(id, 10).get(s), undefined);
      } else {
        const events = pollFor(id, s, PRI);
        assert(events & PRI, `expected PRI, got 0x${events.toString(16)}`);
      }
      assertEquals(fd.recvOob(s), 33);
    } finally {
      if (s !== null) fd.close(s);
      fd.close(c);
      fd.close(listener);
    }
  }),
);

test(
  "el_poller_wait() never ends a timeout early, sub-millisecond ones included",
  withLoop((id) => {
    const out = new Int32Array(8);
    for (const ms of [0.05, 0.3, 1, 1.7, 4.2]) {
      for (let i = 0; i < 3; i++) {
        const start = lib.el_now_ms();
        const n = lib.el_poller_wait(id, out, 4, ms);
        const elapsed = lib.el_now_ms() - start;
        assertEquals(n, 0);
        assertGreaterOrEqual(elapsed, ms, `timeout ${ms} ms ended after ${elapsed} ms`);
      }
    }
  }),
);

test(
  "el_loop_wake() is coalesced into one wake pair and then drained",
  withLoop((id) => {
    for (let i = 0; i < 5; i++) assertEquals(lib.el_loop_wake(id), 0);
    const seen = poll(id);
    assertEquals([...seen], [[-1, WAKE]]);
    assertEquals(poll(id).size, 0, "drained");
    // A wake ends a blocking wait.
    lib.el_loop_wake(id);
    assertEquals([...poll(id, -1)], [[-1, WAKE]]);
  }),
);

test(
  "el_loop_wake() from another thread is never lost while the loop drains",
  withLoop(async (id) => {
    const shared = new SharedArrayBuffer(4);
    const flags = new Int32Array(shared);
    const worker = new Worker(new URL("./_wake_worker.ts", import.meta.url).href, {
      type: "module",
    });
    const messages: unknown[] = [];
    let notify = () => {};
    worker.onmessage = (e: MessageEvent) => {
      messages.push(e.data);
      notify();
    };
    worker.onerror = (e: Event) => {
      messages.push(e);
      notify();
    };
    const next = (): Promise<unknown> =>
      messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise((resolve) => {
        notify = () => resolve(messages.shift());
      });
    try {
      assertEquals(await within(next(), 30_000, "the worker to start"), "ready");
      worker.postMessage({ id, shared });
      // Every wait must end on a wake: one lost in a race with the drain
      // would leave the coalescing flag set and swallow all later ones.
      for (let i = 0; i < 3000; i++) {
        const seen = poll(id, 5000);
        assertEquals(seen.get(-1), WAKE, `wait ${i} ended without a wake`);
      }
    } finally {
      Atomics.store(flags, 0, 1);
      await within(next(), 30_000, "the worker to stop").catch(() => {});
      worker.terminate();
    }
  }),
);

test(
  "el_poller_wait() hides a timer left armed by an earlier wait",
  withLoop((id) => {
    const [a, b] = fd.socketpair();
    try {
      fd.write(b, new Uint8Array([1]));
      assertEquals(lib.el_poller_ctl(id, ADD, a, READ), 0);
      // Ends at once on the readable fd, leaving the 2 ms timer armed.
      assertEquals(poll(id, 2).get(a), READ);
      fd.read(a, new Uint8Array(4));
      const start = lib.el_now_ms();
      while (lib.el_now_ms() - start < 5) { /* let the timer expire */ }
      assertEquals(poll(id).size, 0, "the expired timer is not reported");
      lib.el_loop_wake(id);
      assertEquals([...poll(id, -1)], [[-1, WAKE]]);
    } finally {
      fd.close(a);
      fd.close(b);
    }
  }),
);

test(
  "el_poller_wait() reports HUP for an fd with no interest on epoll only (documented)",
  withLoop((id) => {
    const [a, b] = fd.socketpair();
    try {
      assertEquals(lib.el_poller_ctl(id, ADD, a, 0), 0);
      assertEquals(lib.el_poller_ctl(id, CHECK, a, 0), 1);
      fd.close(b);
      // kqueue has no filter for "errors only": csrc/kqueue.c says so.
      assertEquals(poll(id).get(a), backend === "epoll" ? HUP : undefined);
    } finally {
      fd.close(a);
    }
  }),
);

test(
  "el_poller_ctl() treats a reused fd number as a new fd after fd.close",
  withLoop((id) => {
    const [r, w] = fd.pipe();
    assertEquals(lib.el_poller_ctl(id, ADD, r, READ), 0);
    fd.close(w);
    fd.close(r); // removes r from every loop first
    const [r2, w2] = fd.pipe();
    try {
      assertEquals(lib.el_poller_ctl(id, ADD, r2, READ), 0);
      assertEquals(poll(id).get(r2), undefined);
      fd.write(w2, new Uint8Array([7]));
      assertEquals(poll(id).get(r2), READ);
    } finally {
      fd.close(r2);
      fd.close(w2);
    }
  }),
);

test(
  "el_poller_ctl() and el_poller_wait() reject a closed loop with ESTALE",
  () => {
    const id = lib.el_loop_open();
    lib.el_loop_close(id);
    assertEquals(code(lib.el_poller_ctl(id, ADD, 0, READ)), "ESTALE");
    assertEquals(code(lib.el_poller_wait(id, new Int32Array(4), 2, 0)), "ESTALE");
  },
);
