import {
  EventLoop,
  fd,
  instance,
  IOEvents,
  IOLoop,
  type IOLoopErrorSource,
  type Mode,
  SystemError,
} from "@evloop/evloop";
import {
  assert,
  assertEquals,
  assertFalse,
  assertGreaterOrEqual,
  assertInstanceOf,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { reportsPri, test, within } from "./_harness.ts";

const MODES: Mode[] = ["hosted", "exclusive"];
// Left out where kqueue has no EVFILT_EXCEPT (csrc/kqueue.c): it cannot see
// urgent data, and a PRI-only handler would wait for ever.
const testPri: typeof test = reportsPri ? test : () => {};
const LIMIT_MS = 10_000;
const HUP = 0x010;

type Failure = [error: unknown, source: IOLoopErrorSource];

/** Starts `loop` and waits (with a safety net) until it returns. */
function run(loop: IOLoop, what: string): Promise<void> {
  return within(loop.start(), LIMIT_MS, what);
}

/** Collects what the loop reports. */
function failures(loop: IOLoop): Failure[] {
  const seen: Failure[] = [];
  loop.setExceptionHandler((error, source) => seen.push([error, source]));
  return seen;
}

function closeAll(...fds: number[]): void {
  for (const n of fds) fd.close(n);
}

// ---- fd handlers ------------------------------------------------------------

for (const mode of MODES) {
  test(`IOLoop.addHandler() calls handler(fd, events) with READ set (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const [a, b] = fd.socketpair();
    const calls: unknown[][] = [];
    loop.addHandler(b, IOLoop.READ, (...args: unknown[]) => {
      calls.push(args);
      fd.read(b, new Uint8Array(8));
      loop.close();
    });
    loop.addCallback(() => fd.write(a, new Uint8Array([1])));
    await run(loop, "the READ handler");
    assertEquals(calls.length, 1);
    assertEquals(calls[0].length, 2);
    assertEquals(calls[0][0], b);
    assertEquals((calls[0][1] as number) & IOLoop.READ, IOLoop.READ);
    closeAll(a, b);
  });

  test(`IOLoop.addHandler() calls handler(arg, fd, events) when an arg is given (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const [a, b] = fd.socketpair();
    const calls: unknown[][] = [];
    const conn = { name: "conn" };
    loop.addHandler(b, IOLoop.READ, (...args: unknown[]) => {
      calls.push(args);
      fd.read(b, new Uint8Array(8));
      loop.removeHandler(b);
      // null is an argument too; only undefined means "none".
      loop.addHandler(b, IOLoop.WRITE, (...args2: unknown[]) => {
        calls.push(args2);
        loop.close();
      }, null);
    }, conn);
    loop.addCallback(() => fd.write(a, new Uint8Array([1])));
    await run(loop, "the READ handler with an arg");
    assertEquals(calls.length, 2);
    assertStrictEquals(calls[0][0], conn);
    assertEquals(calls[0][1], b);
    assertEquals((calls[0][2] as number) & IOLoop.READ, IOLoop.READ);
    assertEquals(calls[1].length, 3);
    assertStrictEquals(calls[1][0], null);
    assertEquals((calls[1][2] as number) & IOLoop.WRITE, IOLoop.WRITE);
    closeAll(a, b);
  });

  test(`IOLoop.updateHandler() from READ to WRITE switches the events; READ never sees WRITE (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const [a, b] = fd.socketpair();
    const seen: number[] = [];
    // a is writable all along, and stays readable: the byte is never read.
    let updated = false;
    loop.addHandler(a, IOLoop.READ, (_fd, events) => {
      seen.push(events);
      if (seen.length === 3) updated = loop.updateHandler(a, IOLoop.WRITE);
      if (seen.length === 6) loop.close();
    });
    loop.addCallback(() => fd.write(b, new Uint8Array([1])));
    await run(loop, "READ then WRITE events");
    assert(updated);
    assertEquals(seen.length, 6);
    for (const events of seen.slice(0, 3)) {
      assertEquals(events & (IOLoop.READ | IOLoop.WRITE | IOLoop.PRI), IOLoop.READ);
    }
    for (const events of seen.slice(3)) {
      assertEquals(events & (IOLoop.READ | IOLoop.WRITE | IOLoop.PRI), IOLoop.WRITE);
    }
    closeAll(a, b);
  });

  testPri(`IOLoop.addHandler() with PRI sees TCP out-of-band data (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const errors = failures(loop);
    const server = fd.tcpListen("127.0.0.1", 0);
    const client = fd.tcpConnect("127.0.0.1", fd.localPort(server));
    let conn = -1;
    const got: { events: number; byte: number | null }[] = [];
    loop.addHandler(server, IOLoop.READ, () => {
      const accepted = fd.tcpAccept(server);
      if (accepted === null) return;
      conn = accepted;
      loop.removeHandler(server);
      loop.addHandler(conn, IOLoop.PRI, (_fd, events) => {
        got.push({ events, byte: fd.recvOob(conn) });
        loop.close();
      });
      // Connected and watched: now send the urgent byte.
      loop.addHandler(client, IOLoop.WRITE, () => {
        loop.removeHandler(client);
        fd.sendOob(client, 0x2a);
      });
    });
    await run(loop, "the PRI handler");
    assertEquals(errors, []);
    assertEquals(got.length, 1);
    assertEquals(got[0].events & IOLoop.PRI, IOLoop.PRI);
    assertEquals(got[0].events & (IOLoop.READ | IOLoop.WRITE), 0);
    assertEquals(got[0].byte, 0x2a);
    closeAll(conn, client, server);
  });

  test(`IOLoop.addHandler() with READ only gets the hang-up bit when the peer closes (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const [a, b] = fd.socketpair();
    const seen: number[] = [];
    loop.addHandler(b, IOLoop.READ, (_fd, events) => {
      seen.push(events);
      loop.removeHandler(b);
      loop.close();
    });
    loop.addCallback(() => fd.close(a));
    await run(loop, "the hang-up");
    assertEquals(seen.length, 1);
    assertEquals(seen[0] & HUP, HUP);
    assertEquals(seen[0] & IOLoop.WRITE, 0);
    fd.close(b);
  });

  test(`IOLoop.addHandler() returns false for a second handler and keeps the first (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const [r, w] = fd.pipe();
    const seen: string[] = [];
    assert(loop.addHandler(r, IOLoop.READ, () => {
      seen.push("first");
      loop.close();
    }));
    assertFalse(loop.addHandler(r, IOLoop.READ | IOLoop.WRITE, () => seen.push("second")));
    fd.write(w, new Uint8Array([1]));
    await run(loop, "the first handler");
    assertEquals(seen, ["first"]);
    closeAll(r, w);
  });

  test(`IOLoop handler that throws is reported and removed; other fds keep being served (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const errors = failures(loop);
    const [r1, w1] = fd.pipe();
    const [r2, w2] = fd.pipe();
    let bad = 0;
    let good = 0;
    const boom = new Error("boom");
    loop.addHandler(r1, IOLoop.READ, function broken() {
      bad++;
      throw boom;
    });
    // Neither pipe is drained: both stay readable (level-triggered).
    loop.addHandler(r2, IOLoop.READ, () => {
      if (++good === 4) loop.close();
    });
    loop.addCallback(() => {
      fd.write(w1, new Uint8Array([1]));
      fd.write(w2, new Uint8Array([1]));
    });
    await run(loop, "the healthy handler");
    assertEquals(bad, 1);
    assertEquals(good, 4);
    assertEquals(errors.length, 1);
    assertStrictEquals(errors[0][0], boom);
    assertEquals(errors[0][1], { kind: "handler", name: "broken", fd: r1 });
    closeAll(r1, w1, r2, w2);
  });

  test(`IOLoop.addCallback() callback that throws is reported and the loop goes on (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const errors = failures(loop);
    let after = false;
    loop.addCallback(function thrower() {
      throw new TypeError("bad");
    });
    loop.addCallback(() => loop.addCallback(() => after = true).addCallback(() => loop.close()));
    await run(loop, "callbacks after a throw");
    assert(after);
    assertEquals(errors.length, 1);
    assertInstanceOf(errors[0][0], TypeError);
    assertEquals(errors[0][1], { kind: "callback", name: "thrower" });
  });
}

test("IOLoop.addHandler() works again after fd.close() of a watched fd and number reuse", async () => {
  const loop = new IOLoop();
  const [r, w] = fd.pipe();
  assert(loop.addHandler(r, IOLoop.READ, () => {}));
  fd.close(r); // fd.close also forgets the fd in every loop
  assertFalse(loop.removeHandler(r));
  assertFalse(loop.updateHandler(r, IOLoop.WRITE));
  // A new fd with (usually) the same number is a new registration.
  const [r2, w2] = fd.pipe();
  const seen: number[] = [];
  assert(loop.addHandler(r2, IOLoop.READ, (n) => {
    seen.push(n);
    loop.close();
  }));
  fd.write(w2, new Uint8Array([1]));
  await run(loop, "the handler on the new fd");
  assertEquals(seen, [r2]);
  closeAll(w, r2, w2);
});

test("IOLoop.updateHandler() and removeHandler() return false for an unknown fd", () => {
  const loop = new IOLoop();
  const [r, w] = fd.pipe();
  assertFalse(loop.updateHandler(r, IOLoop.READ));
  assertFalse(loop.removeHandler(r));
  assertFalse(loop.updateHandler(999_999, IOLoop.WRITE));
  assertFalse(loop.removeHandler(999_999));
  loop.close();
  closeAll(r, w);
});

test("IOLoop.addHandler() returns false for an fd that is not open and reports the SystemError", () => {
  const loop = new IOLoop();
  const errors = failures(loop);
  assertFalse(loop.addHandler(999_999, IOLoop.READ, function onRead() {}));
  assertEquals(errors.length, 1);
  const [error, source] = errors[0];
  assertInstanceOf(error, SystemError);
  assertEquals(error.code, "EBADF");
  assertStringIncludes(error.message, "Cannot add handler for fd 999999");
  assertEquals(source, { kind: "watch", name: "onRead", fd: 999_999 });
  // Nothing was kept: the fd can be watched once it exists.
  assertFalse(loop.removeHandler(999_999));
  loop.close();
});

test("IOLoop.addHandler() refusal goes to console.error by default", () => {
  const loop = new IOLoop();
  const original = console.error;
  const printed: unknown[][] = [];
  console.error = (...args: unknown[]) => printed.push(args);
  try {
    assertFalse(loop.addHandler(999_999, IOLoop.READ, () => {}));
  } finally {
    console.error = original;
  }
  assertEquals(printed.length, 1);
  assertEquals(printed[0][0], "Cannot watch fd 999999:");
  assertInstanceOf(printed[0][1], SystemError);
  loop.close();
});

test("IOLoop.addHandler() and friends reject bad input with clear errors", () => {
  const loop = new IOLoop();
  const [r, w] = fd.pipe();
  const h = () => {};
  assertThrows(
    () => loop.addHandler(r, "1" as unknown as number, h),
    TypeError,
    `Cannot add handler for fd ${r}: events must be a number`,
  );
  assertThrows(() => loop.addHandler(r, 0x20, h), RangeError, "unknown bits");
  assertThrows(() => loop.addHandler(r, 1.5, h), RangeError, "events must be a mask");
  assertThrows(() => loop.addHandler(r, -1, h), RangeError, "events must be a mask");
  assertThrows(() => loop.addHandler(r, NaN, h), RangeError, "events must be a mask");
  assertThrows(
    () => loop.addHandler(r, IOLoop.READ, "h" as unknown as () => void),
    TypeError,
    `Cannot add handler for fd ${r}: the callback must be a function`,
  );
  assertThrows(
    () => loop.addHandler("7" as unknown as number, IOLoop.READ, h),
    TypeError,
    "fd must be a number",
  );
  assertThrows(() => loop.addHandler(-1, IOLoop.READ, h), RangeError, "non-negative");
  assert(loop.addHandler(r, IOLoop.READ, h));
  assertThrows(
    () => loop.updateHandler(r, 0x100),
    RangeError,
    `Cannot update handler for fd ${r}: events 0x100 has unknown bits`,
  );
  assertThrows(() => loop.addTimeout(NaN, h), RangeError, "Cannot add a timeout: the timestamp");
  assertThrows(() => loop.addTimeout(Infinity, h), RangeError, "finite");
  assertThrows(
    () => loop.addTimeout("soon" as unknown as number, h),
    TypeError,
    "Cannot add a timeout: the timestamp must be a number",
  );
  assertThrows(
    () => loop.addTimeout(Date.now(), null as unknown as () => void),
    TypeError,
    "Cannot add a timeout: the callback must be a function",
  );
  assertThrows(() => loop.setInterval(NaN, h), RangeError, "Cannot set an interval: the period");
  assertThrows(() => loop.setInterval(0, h), RangeError, "the period must be positive, got 0");
  assertThrows(() => loop.setInterval(-5, h), RangeError, "must be positive");
  assertThrows(
    () => loop.setInterval(10, 5 as unknown as () => void),
    TypeError,
    "Cannot set an interval: the callback must be a function",
  );
  assertThrows(
    () => loop.addCallback({} as unknown as () => void),
    TypeError,
    "Cannot add a callback: the callback must be a function",
  );
  assertThrows(() => instance(3 as unknown as () => void), TypeError, "must be a function");
  assertThrows(
    () => new IOLoop({ mode: "busy" as Mode }),
    RangeError,
    'Cannot create an IOLoop: unknown mode "busy"',
  );
  assertThrows(
    () => loop.setExceptionHandler("x" as unknown as null),
    TypeError,
    "Cannot set the exception handler",
  );
  // None of it changed the loop: the one handler is still there.
  assert(loop.removeHandler(r));
  assertFalse(loop.removeHandler(r));
  loop.close();
  closeAll(r, w);
});

test("IOEvents and the IOLoop statics are epoll's values", () => {
  assertEquals(IOEvents, {
    READ: 0x001,
    PRI: 0x002,
    WRITE: 0x004,
    ERR: 0x008,
    HUP: 0x010,
    ERROR: 0x018,
  });
  assertEquals(
    [IOLoop.READ, IOLoop.PRI, IOLoop.WRITE, IOLoop.ERROR],
    [0x001, 0x002, 0x004, 0x018],
  );
});

// ---- callbacks --------------------------------------------------------------

for (const mode of MODES) {
  test(`IOLoop.addCallback() returns the loop and runs callbacks in order (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const seen: unknown[] = [];
    const returned = loop
      .addCallback(() => {
        seen.push("a");
        loop.addCallback(() => {
          seen.push("later");
          loop.close();
        });
      })
      .addCallback((x) => seen.push(x), "b")
      .addCallback((x) => seen.push(x), 0);
    assertStrictEquals(returned, loop);
    await run(loop, "chained callbacks");
    assertEquals(seen, ["a", "b", 0, "later"]);
  });
}

// ---- timeouts ---------------------------------------------------------------

for (const mode of MODES) {
  test(`IOLoop.addTimeout() fires once and not early (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const at = Date.now() + 15;
    const fired: number[] = [];
    loop.addTimeout(at, () => fired.push(Date.now()));
    // Later iterations do not fire it again.
    loop.addTimeout(at + 10, () => loop.close());
    await run(loop, "the timeouts");
    assertEquals(fired.length, 1);
    assertGreaterOrEqual(fired[0], at);
  });

  test(`IOLoop.removeTimeout() is true before it fires (never fires) and false after (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const seen: string[] = [];
    const now = Date.now();
    const first = loop.addTimeout(now + 2, () => seen.push("first"));
    const removed = loop.addTimeout(now + 4, () => seen.push("removed"));
    assert(loop.removeTimeout(removed));
    assertFalse(loop.removeTimeout(removed));
    loop.addTimeout(now + 8, () => {
      seen.push(`last, first removable: ${loop.removeTimeout(first)}`);
      loop.close();
    });
    await run(loop, "the timeouts");
    assertEquals(seen, ["first", "last, first removable: false"]);
  });

  test(`IOLoop.removeTimeout() of one due in the same pass keeps it from running (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const seen: string[] = [];
    const at = Date.now() + 3;
    let victim = 0;
    loop.addTimeout(at, () => {
      seen.push(`remover: ${loop.removeTimeout(victim)}`);
    });
    victim = loop.addTimeout(at, () => seen.push("victim"));
    loop.addTimeout(at, () => seen.push("bystander"));
    loop.addTimeout(at + 5, () => {
      seen.push("end");
      loop.close();
    });
    await run(loop, "the timeouts");
    assertEquals(seen, ["remover: true", "bystander", "end"]);
  });

  test(`IOLoop.removeTimeout() of itself inside its callback leaves the others intact (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const seen: string[] = [];
    const at = Date.now() + 2;
    loop.addTimeout(at, () => seen.push("before"));
    const self = loop.addTimeout(at, () => {
      // It has fired: there is nothing left to remove.
      seen.push(`self: ${loop.removeTimeout(self)}`);
    });
    loop.addTimeout(at, () => seen.push("after"));
    loop.addTimeout(at + 4, () => {
      seen.push("end");
      loop.close();
    });
    await run(loop, "the timeouts");
    assertEquals(seen, ["before", "self: false", "after", "end"]);
  });

  test(`IOLoop.addTimeout() fires equal timestamps in add order (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const seen: number[] = [];
    const at = Date.now() + 5;
    for (let i = 0; i < 4; i++) loop.addTimeout(at, (n) => seen.push(n), i);
    // Deadline order, not add order: an earlier timestamp added last runs first.
    loop.addTimeout(at - 3, () => seen.push(-1));
    loop.addTimeout(at + 1, () => loop.close());
    await run(loop, "the timeouts");
    assertEquals(seen, [-1, 0, 1, 2, 3]);
  });
}

test("IOLoop.addTimeout() refs stay unique over 10,000 add/remove pairs", () => {
  const loop = new IOLoop();
  const refs = new Set<number>();
  const other = new IOLoop();
  for (let i = 0; i < 10_000; i++) {
    const ref = loop.addTimeout(Date.now() + 60_000, () => {});
    refs.add(ref);
    assert(loop.removeTimeout(ref));
  }
  assertEquals(refs.size, 10_000);
  // Refs are not shared between loops or with intervals either.
  const mine = other.addTimeout(Date.now() + 60_000, () => {});
  const interval = other.setInterval(1000, () => {});
  assertFalse(refs.has(mine) || refs.has(interval));
  assertFalse(loop.removeTimeout(mine));
  assertFalse(other.removeTimeout(interval));
  assertEquals(loop._core.timerCount, 0);
  loop.close();
  other.close();
});

// ---- intervals --------------------------------------------------------------

for (const mode of MODES) {
  test(`IOLoop.setInterval() first calls one period after it is set (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const set = performance.now();
    const calls: number[] = [];
    const ref = loop.setInterval(20, () => {
      calls.push(performance.now() - set);
      if (calls.length === 2) {
        loop.clearInterval(ref);
        loop.close();
      }
    });
    await run(loop, "the interval");
    assertEquals(calls.length, 2);
    // The loop's clock and performance.now() are both monotonic; allow for
    // their different resolution.
    assertGreaterOrEqual(calls[0], 19);
    assertGreaterOrEqual(calls[1], 39);
  });

  test(`IOLoop.clearInterval() inside its own callback stops it (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    let calls = 0;
    const cleared: boolean[] = [];
    const ref = loop.setInterval(2, () => {
      calls++;
      cleared.push(loop.clearInterval(ref));
      loop.addTimeout(Date.now() + 10, () => loop.close());
    });
    await run(loop, "the interval");
    assertEquals(calls, 1);
    assertEquals(cleared, [true]);
    assertFalse(loop.clearInterval(ref));
  });
}

// ---- running ----------------------------------------------------------------

test("IOLoop.start() does not return by itself with nothing registered (hosted)", async () => {
  const loop = new IOLoop();
  let settled = false;
  const done = loop.start().then(() => settled = true);
  // A host timer: the loop is idle, the host keeps working.
  await new Promise((resolve) => setTimeout(resolve, 30));
  assertFalse(settled);
  assert(loop.running());
  loop.stop();
  assertFalse(loop.running());
  await within(done, LIMIT_MS, "start() after stop()");
  assert(settled);
  loop.close();
});

test("IOLoop.start() does not return by itself once its work is done (exclusive)", async () => {
  const loop = new IOLoop({ mode: "exclusive" });
  let settled = false;
  let iterations = 0;
  const again = () => {
    if (++iterations < 20) {
      loop.addCallback(again);
      return;
    }
    // Nothing but this timeout is left; the loop blocks in the kernel.
    loop.addTimeout(Date.now() + 20, () => {
      checked = !settled && loop.running();
      loop.stop();
    });
  };
  let checked = false;
  const done = loop.start().then(() => settled = true);
  loop.addCallback(again);
  await within(done, LIMIT_MS, "start() after stop()");
  assert(checked);
  assertEquals(iterations, 20);
  loop.close();
});

for (const mode of MODES) {
  test(`IOLoop.stop() keeps everything and start() runs again (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const [r, w] = fd.pipe();
    fd.write(w, new Uint8Array([1]));
    const seen: string[] = [];
    loop.addHandler(r, IOLoop.READ, () => {
      seen.push("read");
      loop.stop();
    });
    await run(loop, "the first run");
    assertFalse(loop.running());
    assertEquals(seen, ["read"]);
    // The handler is still registered; a timeout added now ends the second run.
    loop.addTimeout(Date.now() + 2, () => {
      seen.push("timeout");
      loop.close();
    });
    assert(loop.updateHandler(r, IOLoop.READ));
    loop.removeHandler(r);
    loop.addHandler(r, IOLoop.READ, () => seen.push("read again"), undefined);
    await run(loop, "the second run");
    assertEquals(seen.slice(0, 2), ["read", "read again"]);
    assertEquals(seen.at(-1), "timeout");
    closeAll(r, w);
  });

  test(`IOLoop.stop() then start() at once waits for the iteration to end (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const seen: string[] = [];
    let second: Promise<void> | undefined;
    loop.addCallback(() => {
      loop.stop();
      // Started again before the first run even returned.
      second = loop.start();
      seen.push("restarted");
    });
    loop.addCallback(() => seen.push("same batch"));
    const first = loop.start();
    await within(first, LIMIT_MS, "the first run");
    assert(loop.running());
    loop.addCallback(() => {
      seen.push("second run");
      loop.close();
    });
    await within(second!, LIMIT_MS, "the second run");
    assertEquals(seen, ["restarted", "same batch", "second run"]);
  });

  test(`IOLoop.close() from a callback lets the batch finish, then clears everything (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const [r, w] = fd.pipe();
    fd.write(w, new Uint8Array([1]));
    const seen: string[] = [];
    loop.addHandler(r, IOLoop.READ, () => seen.push("handler"));
    const timeout = loop.addTimeout(Date.now() + 60_000, () => seen.push("timeout"));
    const interval = loop.setInterval(60_000, () => seen.push("interval"));
    loop.addCallback(() => {
      loop.close();
      seen.push(`close, running: ${loop.running()}`);
    });
    loop.addCallback(() => {
      seen.push("rest of batch");
      // Accepted while closing, and dropped with everything else.
      loop.addCallback(() => seen.push("too late"));
    });
    await run(loop, "the run that closes");
    assertEquals(seen.filter((s) => s !== "handler"), ["close, running: false", "rest of batch"]);
    assertFalse(loop.running());
    assertFalse(loop.removeHandler(r));
    assertFalse(loop.updateHandler(r, IOLoop.READ));
    assertFalse(loop.removeTimeout(timeout));
    assertFalse(loop.clearInterval(interval));
    assertThrows(() => loop.start(), Error, "Cannot start the loop: it is closed");
    assertThrows(
      () => loop.addCallback(() => {}),
      Error,
      "Cannot add a callback: the loop is closed",
    );
    assertThrows(
      () => loop.addHandler(r, IOLoop.READ, () => {}),
      Error,
      `Cannot add handler for fd ${r}: the loop is closed`,
    );
    // The fds stay open.
    assertEquals(fd.read(r, new Uint8Array(4)), 1);
    closeAll(r, w);
  });
}

test("IOLoop.close() when not running closes at once", () => {
  const loop = new IOLoop();
  const [r, w] = fd.pipe();
  loop.addHandler(r, IOLoop.READ, () => {});
  const ref = loop.addTimeout(Date.now() + 1000, () => {});
  loop.close();
  loop.close(); // again: nothing
  assertFalse(loop.removeHandler(r));
  assertFalse(loop.removeTimeout(ref));
  assertThrows(() => loop.start(), Error, "closed");
  // A new loop can watch the same fd.
  const next = new IOLoop();
  assert(next.addHandler(r, IOLoop.READ, () => {}));
  next.close();
  closeAll(r, w);
});

test("IOLoop.running() is true only while started", async () => {
  const loop = new IOLoop();
  const seen: boolean[] = [loop.running()];
  loop.addCallback(() => {
    seen.push(loop.running());
    loop.stop();
    seen.push(loop.running());
  });
  const done = loop.start();
  seen.push(loop.running());
  assertThrows(() => loop.start(), Error, "Cannot start the loop: it is already running");
  await within(done, LIMIT_MS, "the run");
  seen.push(loop.running());
  // Before start, after start, in a callback, after stop(), after the run.
  assertEquals(seen, [false, true, true, false, false]);
  loop.close();
});

// ---- instance ---------------------------------------------------------------

test("IOLoop.instance() returns the same loop until it is closed; new IOLoop() is separate", () => {
  const loop = IOLoop.instance();
  assertStrictEquals(IOLoop.instance(), loop);
  assertStrictEquals(instance(), loop);
  const other = new IOLoop();
  assert(other !== loop);
  other.close();
  assertStrictEquals(instance(), loop);
  loop.close();
  const next = instance();
  assert(next !== loop);
  next.close();
});

test("instance(fn) calls fn(loop) on the next iteration", async () => {
  const got: IOLoop[] = [];
  let order = "";
  const loop = instance((l) => {
    got.push(l);
    order += "fn";
    l.close();
  });
  order += "sync;";
  assertStrictEquals(IOLoop.instance(), loop);
  await run(loop, "the instance callback");
  assertEquals(order, "sync;fn");
  assertStrictEquals(got[0], loop);
  assert(instance() !== loop);
  instance().close();
});

// ---- two APIs in one thread -------------------------------------------------

test("EventLoop and IOLoop watching different fds in one thread do not disturb each other", async () => {
  using ev = new EventLoop();
  const io = new IOLoop();
  const [r1, w1] = fd.pipe();
  const [r2, w2] = fd.pipe();
  const evSeen: number[] = [];
  const ioSeen: number[] = [];
  const ioEvents = new Set<number>();
  const buf = new Uint8Array(1);
  ev.addReader(r1, () => {
    fd.read(r1, buf);
    evSeen.push(buf[0]);
    fd.write(w2, new Uint8Array([buf[0] + 1]));
  });
  io.addHandler(r2, IOLoop.READ, (n, events) => {
    ioEvents.add(events);
    fd.read(n, buf);
    ioSeen.push(buf[0]);
    if (buf[0] >= 20) {
      ev.stop();
      io.close();
      return;
    }
    fd.write(w1, new Uint8Array([buf[0] + 1]));
  });
  const both = Promise.all([ev.runForever(), io.start()]);
  fd.write(w1, new Uint8Array([1]));
  await within(both, LIMIT_MS, "the ping-pong");
  assertEquals(evSeen, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  assertEquals(ioSeen, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  assertEquals([...ioEvents], [IOLoop.READ]);
  closeAll(r1, w1, r2, w2);
});
