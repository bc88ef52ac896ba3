import { EventLoop, fd, RemoteLoop, type ThreadHandle } from "@evloop/evloop";
import {
  assert,
  assertEquals,
  assertGreater,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { lib } from "../ffi/load.ts";
import { newFds, openFds, test, within } from "./_harness.ts";
import { TestWorker } from "./_test_worker.ts";
import { nativePummel } from "./_native_pummel.ts";

test("RemoteLoop.callFromThread() from a Worker after 200 ms ends runForever()", async () => {
  using loop = new EventLoop();
  let stopped = false;
  loop.expose("stop", () => {
    stopped = true;
    loop.stop();
  });
  const worker = await TestWorker.start();
  try {
    const start = loop.time();
    worker.send({ scenario: "stop-after", handle: loop.threadHandle(), delayMs: 200 });
    await within(loop.runForever(), 20_000, "runForever() to resolve");
    assert(stopped);
    assertGreater(loop.time() - start, 150);
    assertEquals(await worker.next(), { ok: true });
  } finally {
    worker.terminate();
  }
});

test("RemoteLoop.callFromThread() pummel: 4 Workers x 100,000 calls, each once and in order", async () => {
  const WORKERS = 4;
  const COUNT = 100_000;
  using loop = new EventLoop();
  const next = new Array<number>(WORKERS).fill(0);
  const errors: string[] = [];
  let received = 0;
  let roundTrips = 0;
  let hopsDuring = 0;
  loop.expose("tick", (w: number, i: number) => {
    if (next[w] !== i) errors.push(`worker ${w}: got ${i}, expected ${next[w]}`);
    next[w] = i + 1;
    if (++received === WORKERS * COUNT) loop.stop();
  });
  // The loop keeps serving a socketpair meanwhile: a byte bounces between
  // its ends, one hop per readiness.
  const [a, b] = fd.socketpair();
  const byte = new Uint8Array(1);
  const bounce = (from: number) => () => {
    fd.read(from, byte);
    roundTrips++;
    if (received > 0 && received < WORKERS * COUNT) hopsDuring++;
    fd.write(from, byte);
  };
  loop.addReader(a, bounce(a));
  loop.addReader(b, bounce(b));
  fd.write(a, byte);

  const workers = await Promise.all(Array.from({ length: WORKERS }, () => TestWorker.start()));
  try {
    const handle = loop.threadHandle();
    const start = loop.time();
    workers.forEach((w, index) => w.send({ scenario: "pummel", handle, index, count: COUNT }));
    await within(loop.runForever(), 120_000, "every call to arrive");
    const ms = loop.time() - start;
    const replies = await Promise.all(workers.map((w) => w.next()));
    const refused = replies.reduce((sum, r) => sum + (r.refused ?? 0), 0);
    assertEquals(errors, []);
    assertEquals(next, new Array(WORKERS).fill(COUNT));
    assertEquals(received, WORKERS * COUNT);
    assert(replies.every((r) => r.ok), JSON.stringify(replies));
    // Iterations interleave I/O with the drained calls (each iteration
    // runs what was queued when it began: up to the inbox limit).
    assertGreater(hopsDuring, 1);
    console.log(
      `pummel: ${WORKERS * COUNT} calls from ${WORKERS} Workers in ${ms.toFixed(0)} ms ` +
        `(${
          Math.round((WORKERS * COUNT) / (ms / 1000))
        } calls/s, ${refused} refused and retried, ` +
        `${hopsDuring} of ${roundTrips} socketpair hops during the pummel)`,
    );
  } finally {
    workers.forEach((w) => w.terminate());
    loop.removeReader(a);
    loop.removeReader(b);
    fd.close(a);
    fd.close(b);
  }
});

test("el_inbox_post() pummel: 4 native threads x 100,000 posts, each once and in order", async () => {
  const THREADS = 4;
  const COUNT = 100_000;
  using loop = new EventLoop();
  const next = new Array<number>(THREADS).fill(0);
  const errors: string[] = [];
  let received = 0;
  loop.expose("tick", (t: number, i: number) => {
    if (next[t] !== i) errors.push(`thread ${t}: got ${i}, expected ${next[t]}`);
    next[t] = i + 1;
    if (++received === THREADS * COUNT) loop.stop();
  });
  const start = loop.time();
  assertEquals(nativePummel.start(loop.threadHandle().loopId, THREADS, COUNT), 0);
  let refused: number;
  try {
    await within(loop.runForever(), 120_000, "every native post to arrive");
  } finally {
    refused = nativePummel.join();
  }
  const ms = loop.time() - start;
  assertGreater(refused + 1, 0, `a native post failed: ${refused}`);
  assertEquals(errors, []);
  assertEquals(next, new Array(THREADS).fill(COUNT));
  assertEquals(loop._core.readyCount, 0);
  console.log(
    `native pummel: ${THREADS * COUNT} posts from ${THREADS} pthreads delivered in ` +
      `${ms.toFixed(0)} ms (${Math.round((THREADS * COUNT) / (ms / 1000))} calls/s; ` +
      `producers done after ${nativePummel.elapsedMs().toFixed(0)} ms; ` +
      `${refused} refused and retried)`,
  );
});

test("RemoteLoop.callFromThread() after destroy() throws, also with a previous loop's handle", async () => {
  const loops = lib.el_loop_count();
  const fds = openFds();
  const first = new EventLoop();
  let firstCalls = 0;
  first.expose("x", () => firstCalls++);
  const oldHandle = first.threadHandle();
  const remote = RemoteLoop.from(oldHandle);
  // Queued and never drained: freed with the loop.
  for (let i = 0; i < 1000; i++) assert(remote.callFromThread("x", i));
  first.destroy();
  assertThrows(
    () => remote.callFromThread("x"),
    Error,
    `Cannot post to loop ${oldHandle.loopId}: the loop was destroyed`,
  );

  // A new loop in the same thread may take the same slot: the generation
  // in the old id keeps the old handle from reaching it.
  using second = new EventLoop();
  const got: string[] = [];
  second.expose("x", (s: string) => got.push(s));
  second.expose("done", () => second.stop());
  assertEquals(second.threadHandle().loopId & 1023, oldHandle.loopId & 1023);
  assertThrows(() => RemoteLoop.from(oldHandle).callFromThread("x", "old"), Error, "destroyed");
  const fresh = RemoteLoop.from(second.threadHandle());
  assert(fresh.callFromThread("x", "new"));
  assert(fresh.callFromThread("done"));
  await within(second.runForever(), 10_000, "the second loop to stop");
  assertEquals(got, ["new"]);
  assertEquals(firstCalls, 0);
  second.destroy();
  assertEquals(lib.el_loop_count(), loops);
  assertEquals(newFds(fds), []);
});

test("RemoteLoop.callFromThread() in a Worker throws once the loop is destroyed", async () => {
  const loop = new EventLoop();
  loop.expose("x", () => {});
  const handle = loop.threadHandle();
  loop.destroy();
  const worker = await TestWorker.start();
  try {
    worker.send({ scenario: "post-once", handle, name: "x", args: [] });
    const reply = await within(worker.next(), 10_000, "the Worker's reply");
    assertEquals(reply.ok, false);
    assertEquals(reply.error, `Cannot post to loop ${handle.loopId}: the loop was destroyed`);
  } finally {
    worker.terminate();
  }
});

test("RemoteLoop.callFromThread() over the inbox limit is refused, loses nothing, works once drained", async () => {
  using loop = new EventLoop({ inboxLimit: { messages: 10, bytes: 1000 } });
  const remote = RemoteLoop.from(loop.threadHandle());
  const got: number[] = [];
  let again: boolean | undefined;
  loop.expose("n", (n: number) => {
    got.push(n);
    if (n === 9) again = remote.callFromThread("n", 10);
    if (n === 10) loop.stop();
  });
  for (let i = 0; i < 10; i++) assert(remote.callFromThread("n", i));
  assertEquals(remote.callFromThread("n", 99), false);
  assertEquals(loop._core.readyCount, 0);
  // A message that could never fit throws instead of being refused forever.
  assertThrows(() => remote.callFromThread("n", "x".repeat(2000)), RangeError, "byte limit");
  await within(loop.runForever(), 10_000, "the queued calls to run");
  assertEquals(again, true);
  assertEquals(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test("EventLoop({ inboxLimit }) bounds bytes too", () => {
  assertThrows(
    () => new EventLoop({ inboxLimit: { messages: 0 } }),
    RangeError,
    "messages must be an integer",
  );
  using loop = new EventLoop({ inboxLimit: { bytes: 64 } });
  const remote = RemoteLoop.from(loop.threadHandle());
  // ["n","aaaaaaaaaaaaaaaaaaaa"] is 27 bytes: two fit, the third does not.
  assert(remote.callFromThread("n", "a".repeat(20)));
  assert(remote.callFromThread("n", "a".repeat(20)));
  assertEquals(remote.callFromThread("n", "a".repeat(20)), false);
});

test("EventLoop inbox: a burst is drained in one iteration, in order", async () => {
  using loop = new EventLoop();
  const order: (number | string)[] = [];
  loop.expose("n", (n: number) => {
    order.push(n);
    // Runs in the next iteration: after the whole burst if it was drained
    // by one wake.
    if (n === 0) loop.callSoon(() => order.push("next iteration"));
    if (n === 999) loop.callSoon(() => loop.stop());
  });
  const remote = RemoteLoop.from(loop.threadHandle());
  for (let i = 0; i < 1000; i++) remote.callFromThread("n", i);
  await within(loop.runForever(), 10_000, "the burst to run");
  assertEquals(order.length, 1001);
  assertEquals(order[1000], "next iteration");
  assertEquals(order.slice(0, 1000), Array.from({ length: 1000 }, (_, i) => i));
});

test("EventLoop.run() is not kept alive by the inbox", async () => {
  using loop = new EventLoop();
  loop.expose("x", () => {});
  const handle = loop.threadHandle();
  await within(loop.run(), 10_000, "run() to resolve with only an inbox");
  assert(!loop.running);
  assertEquals(handle.loopId, loop.threadHandle().loopId);
});

test("RemoteLoop.callFromThread() arguments round-trip as JSON and others throw TypeError", async () => {
  using loop = new EventLoop();
  const remote = RemoteLoop.from(loop.threadHandle());
  const sent: unknown[] = [
    null,
    true,
    -1.5,
    'héllo \u{1F600} \ud800 \n"',
    [1, [2, [3]]],
    { a: { b: [null, "c"] }, "": 0 },
    Object.assign(Object.create(null), { k: "null prototype" }),
  ];
  let got: unknown[] = [];
  loop.expose("echo", (...args: unknown[]) => {
    got = args;
    loop.stop();
  });
  assert(remote.callFromThread("echo", ...sent));
  await within(loop.runForever(), 10_000, "the echo");
  assertEquals(got, JSON.parse(JSON.stringify(sent)));
  assertEquals(got[3], sent[3]);

  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const rejected: [unknown, string][] = [
    [undefined, "argument 1 is undefined"],
    [() => {}, "argument 1 is a function"],
    [1n, "argument 1 is a bigint"],
    [Symbol("s"), "argument 1 is a symbol"],
    [NaN, "argument 1 is NaN"],
    [Infinity, "argument 1 is Infinity"],
    [new Date(0), "argument 1 is a Date"],
    [new Map(), "argument 1 is a Map"],
    [new Uint8Array(1), "argument 1 is a Uint8Array"],
    [[1, undefined], "argument 1[1] is undefined"],
    [[1, , 3], "argument 1[1] is a hole"],
    [{ a: { b: undefined } }, "argument 1.a.b is undefined"],
    [{ [Symbol("k")]: 1 }, "symbol-keyed"],
    [cyclic, "cyclic"],
  ];
  for (const [value, message] of rejected) {
    const error = assertThrows(() => remote.callFromThread("echo", value), TypeError);
    assertStringIncludes(error.message, message);
    assertStringIncludes(error.message, `Cannot post to loop ${remote.id}`);
  }
  assertThrows(() => remote.callFromThread("", 1), TypeError, "non-empty string");
  assertThrows(
    () => RemoteLoop.from({ loopId: 1 } as unknown as ThreadHandle),
    TypeError,
    "Cannot use the thread handle",
  );
});

test("EventLoop inbox: unknown names and malformed native messages go to the exception handler", async () => {
  using loop = new EventLoop();
  const errors: string[] = [];
  loop.setExceptionHandler((error) => errors.push((error as Error).message));
  loop.expose("done", () => loop.stop());
  const remote = RemoteLoop.from(loop.threadHandle());
  assert(remote.callFromThread("nobody"));
  const bytes = new TextEncoder().encode('{"not": "an array"}');
  assertEquals(lib.el_inbox_post(remote.id, bytes, bytes.length), 0);
  const native = new TextEncoder().encode('["done"]');
  assertEquals(lib.el_inbox_post(remote.id, native, native.length), 0);
  await within(loop.runForever(), 10_000, "the native done");
  assertEquals(errors, [
    `Cannot run "nobody" from another thread on loop ${remote.id}: nothing is exposed under that name`,
    'Cannot run a cross-thread call: it is not an array ["name", ...args]',
  ]);
});

test("EventLoop.expose() rejects duplicates and non-functions; unexpose() withdraws", () => {
  using loop = new EventLoop();
  loop.expose("a", () => {});
  assertThrows(() => loop.expose("a", () => {}), Error, "already exposed");
  assertThrows(() => loop.expose("b", 1 as unknown as () => void), TypeError);
  assert(loop.unexpose("a"));
  loop.expose("a", () => {});
  loop.destroy();
  assertThrows(() => loop.threadHandle(), Error, "destroyed");
});

test("EventLoop.callFromThread() on the loop's thread queues and wakes", async () => {
  using loop = new EventLoop();
  const seen: number[] = [];
  loop.callFromThread((n: number) => seen.push(n), 7);
  await loop.run();
  assertEquals(seen, [7]);
});
