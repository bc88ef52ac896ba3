// EventLoop scheduling and lifecycle on the real shim: FIFO callbacks,
// timers never early, stop and destroy as evergreen has them.
import { EventLoop, type Handler } from "@evloop/evloop";
import { assert, assertEquals, assertGreaterOrEqual, assertThrows } from "@std/assert";
import { settled, test } from "./_harness.ts";

test("EventLoop.callSoon() runs callbacks FIFO with their args", async () => {
  using loop = new EventLoop();
  const seen: unknown[] = [];
  loop.callSoon((a: number, b: string) => seen.push([a, b]), 1, "x");
  loop.callSoon(() => seen.push("second"));
  await loop.run();
  assertEquals(seen, [[1, "x"], "second"]);
});

test("EventLoop.callSoon(), callLater() and callAt() pass 0 to 5 args, as given", async () => {
  using loop = new EventLoop();
  const seen: unknown[][] = [];
  const record = (...args: unknown[]) => void seen.push(args);
  const lists = [[], [1], [1, "b"], [1, "b", null], [1, "b", null, undefined], [1, 2, 3, 4, 5]];
  for (const args of lists) loop.callSoon(record, ...args);
  for (const args of lists) loop.callLater(0, record, ...args);
  for (const args of lists) loop.callLater(1, record, ...args);
  const at = loop.time() + 2;
  for (const args of lists) loop.callAt(at, record, ...args);
  await loop.run();
  // arguments.length is kept: a trailing undefined still counts.
  assertEquals(seen, [...lists, ...lists, ...lists, ...lists]);
  assertEquals(
    seen.map((a) => a.length),
    [...lists, ...lists, ...lists, ...lists].map((a) => a.length),
  );
});

test("EventLoop: cancelling the earliest timer, the next fires at its own time, never early", async () => {
  using loop = new EventLoop();
  const start = loop.time();
  const fired: string[] = [];
  let lateAt = 0;
  const early = loop.callLater(2, () => fired.push("early"));
  loop.callLater(20, () => {
    fired.push("late");
    lateAt = loop.time();
  });
  loop.callLater(1, () => early.cancel());
  await loop.run();
  assertEquals(fired, ["late"]);
  assert(lateAt - start >= 20, `fired after ${lateAt - start} ms`);
});

test("EventLoop: timers at one deadline fire in scheduling order after half are cancelled", async () => {
  using loop = new EventLoop();
  const when = loop.time() + 3;
  const handlers = [];
  const fired: number[] = [];
  for (let i = 0; i < 500; i++) handlers.push(loop.callAt(when, () => fired.push(i)));
  // More than half dead: the heap is rebuilt before they fire.
  for (let i = 0; i < 500; i += 3) handlers[i].cancel();
  for (let i = 1; i < 500; i += 3) handlers[i].cancel();
  await loop.run();
  assertEquals(fired, Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 3 === 2));
});

test("EventLoop: a thread's next loop, after one destroyed with timers pending, runs its own in order", async () => {
  const first = new EventLoop();
  for (let i = 0; i < 100; i++) first.callLater(1000 + i, () => {});
  first.callSoon(() => {});
  first.destroy();
  using loop = new EventLoop();
  const fired: number[] = [];
  const base = loop.time();
  for (let i = 0; i < 3000; i++) loop.callAt(base + (i % 7), () => fired.push(i));
  await loop.run();
  const expected = Array.from({ length: 3000 }, (_, i) => i)
    .sort((a, b) => (a % 7) - (b % 7) || a - b);
  assertEquals(fired, expected);
});

test("EventLoop.callSoon() defers callbacks added during an iteration to the next", async () => {
  using loop = new EventLoop();
  const order: string[] = [];
  loop.callSoon(() => {
    order.push("a");
    loop.callSoon(() => order.push("c"));
  });
  loop.callSoon(() => {
    order.push("b");
    // A timer due now must still wait: the snapshot was taken.
  });
  await loop.run();
  assertEquals(order, ["a", "b", "c"]);
});

test("EventLoop.callLater() fires equal deadlines in scheduling order", async () => {
  using loop = new EventLoop();
  const when = loop.time() + 5;
  const order: number[] = [];
  for (let i = 0; i < 10; i++) loop.callAt(when, () => order.push(i));
  await loop.run();
  assertEquals(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

for (const mode of ["hosted", "exclusive"] as const) {
  test(`EventLoop.callLater() never fires early over 200 timers (${mode})`, async () => {
    using loop = new EventLoop({ mode });
    const early: string[] = [];
    let fired = 0;
    for (let i = 0; i < 200; i++) {
      const delay = 0.05 + (i % 20) * 0.37; // sub-ms and ms delays, 0.05..7.1
      const start = loop.time();
      loop.callLater(delay, () => {
        fired++;
        const elapsed = loop.time() - start;
        if (elapsed < delay) early.push(`${delay} ms fired after ${elapsed} ms`);
      });
    }
    await loop.run();
    assertEquals(fired, 200);
    assertEquals(early, []);
  });
}

test("EventLoop.callLater() with a delay <= 0 behaves as callSoon", async () => {
  using loop = new EventLoop();
  const order: string[] = [];
  loop.callSoon(() => order.push("soon"));
  loop.callLater(-5, () => order.push("negative"));
  loop.callLater(0, () => order.push("zero"));
  await loop.run();
  assertEquals(order, ["soon", "negative", "zero"]);
});

test("EventLoop.callAt() fires at the given time, not before", async () => {
  using loop = new EventLoop();
  const when = loop.time() + 3;
  let at = 0;
  loop.callAt(when, () => at = loop.time());
  await loop.run();
  assertGreaterOrEqual(at, when);
});

test("Handler.cancel() before firing prevents the callback", async () => {
  using loop = new EventLoop();
  let soon = false;
  let later = false;
  const h1 = loop.callSoon(() => soon = true);
  const h2 = loop.callLater(2, () => later = true);
  h1.cancel();
  h2.cancel();
  h2.cancel(); // twice is harmless
  assert(h1.cancelled && h2.cancelled);
  await loop.run();
  assert(!soon && !later);
});

test("Handler.cancel() of a timer inside an earlier callback of the same pass", async () => {
  using loop = new EventLoop();
  const when = loop.time() + 2;
  let second = false;
  const later: Handler[] = [];
  loop.callAt(when, () => later[0].cancel());
  later.push(loop.callAt(when, () => second = true));
  await loop.run();
  assert(!second);
});

test("EventLoop.run() resolves when nothing is left", async () => {
  using loop = new EventLoop();
  let n = 0;
  loop.callLater(1, () => {
    n++;
    loop.callLater(1, () => n++);
  });
  await loop.run();
  assertEquals(n, 2);
  assert(!loop.running);
});

test("EventLoop.run() waits for work scheduled by a promise chain of a callback", async () => {
  using loop = new EventLoop();
  let done = false;
  loop.callSoon(async () => {
    await Promise.resolve();
    await null;
    loop.callSoon(() => done = true);
  });
  await loop.run();
  assert(done);
});

test("EventLoop.runForever() keeps running until stop()", async () => {
  using loop = new EventLoop();
  let ticks = 0;
  const tick = () => {
    if (++ticks === 3) loop.stop();
    else loop.callLater(1, tick);
  };
  loop.callSoon(tick);
  await loop.runForever();
  assertEquals(ticks, 3);
  assert(!loop.running);
});

test("EventLoop.runForever() with nothing to do waits for stop() from the host", async () => {
  using loop = new EventLoop(); // hosted: host timers run meanwhile
  setTimeout(() => loop.stop(), 20);
  const start = performance.now();
  await loop.runForever();
  assertGreaterOrEqual(performance.now() - start, 15);
});

test("EventLoop.stop() finishes the current iteration", async () => {
  using loop = new EventLoop();
  const order: string[] = [];
  loop.callSoon(() => {
    order.push("stop");
    loop.stop();
  });
  loop.callSoon(() => order.push("same iteration"));
  loop.callLater(1000, () => order.push("never"));
  await loop.runForever();
  assertEquals(order, ["stop", "same iteration"]);
});

test("EventLoop.stop() before run() throws", () => {
  using loop = new EventLoop();
  assertThrows(() => loop.stop(), Error, "Cannot stop the loop: it is not running");
});

test("EventLoop.run() after the loop stopped throws", async () => {
  using loop = new EventLoop();
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  assertThrows(() => loop.run(), Error, "a stopped loop cannot run again");
  assertThrows(() => loop.runForever(), Error, "a stopped loop cannot run again");
});

test("EventLoop.run() while running throws", async () => {
  using loop = new EventLoop();
  let error: unknown;
  loop.callSoon(() => {
    try {
      void loop.run();
    } catch (e) {
      error = e;
    }
  });
  await loop.run();
  assert(error instanceof Error && error.message.includes("already running"));
});

test("EventLoop.destroy() throws while running and when already destroyed", async () => {
  const loop = new EventLoop();
  let duringRun: unknown;
  loop.callSoon(() => {
    try {
      loop.destroy();
    } catch (e) {
      duringRun = e;
    }
  });
  await loop.run();
  assert(duringRun instanceof Error && duringRun.message.includes("it is running"));
  loop.destroy();
  assert(loop.destroyed);
  assertThrows(() => loop.destroy(), Error, "Cannot destroy the loop: the loop is destroyed");
});

test("EventLoop.destroy() drops pending callbacks and lets the thread make a new loop", async () => {
  const loop = new EventLoop();
  let ran = false;
  const h = loop.callSoon(() => ran = true);
  loop.callLater(5, () => ran = true);
  loop.destroy();
  assert(h.cancelled);
  using next = new EventLoop();
  assert(next !== loop);
  await next.run();
  assert(!ran);
});

test("EventLoop methods on a destroyed loop throw a clear error", () => {
  const loop = new EventLoop();
  loop.destroy();
  const calls: [string, () => unknown][] = [
    ["callSoon", () => loop.callSoon(() => {})],
    ["callLater", () => loop.callLater(1, () => {})],
    ["callAt", () => loop.callAt(1, () => {})],
    ["callFromThread", () => loop.callFromThread(() => {})],
    ["addReader", () => loop.addReader(0, () => {})],
    ["addWriter", () => loop.addWriter(1, () => {})],
    ["removeReader", () => loop.removeReader(0)],
    ["removeWriter", () => loop.removeWriter(1)],
    ["time", () => loop.time()],
    ["run", () => loop.run()],
    ["runForever", () => loop.runForever()],
    ["stop", () => loop.stop()],
    ["switch", () => loop.switch()],
    ["setExceptionHandler", () => loop.setExceptionHandler(null)],
  ];
  for (const [name, call] of calls) {
    const error = assertThrows(call, Error, "the loop is destroyed");
    assert(error.message.startsWith("Cannot "), `${name}: ${error.message}`);
  }
});

test("EventLoop[Symbol.dispose]() destroys the loop once", () => {
  let kept: EventLoop;
  {
    using loop = new EventLoop();
    kept = loop;
  }
  assert(kept.destroyed);
  kept[Symbol.dispose](); // already destroyed: nothing happens
});

test("EventLoop constructor refuses a second loop in the same thread", () => {
  using _loop = new EventLoop();
  assertThrows(() => new EventLoop(), Error, "this thread already has one");
});

test("EventLoop.current() returns the thread's loop, creating one on the main thread", () => {
  const created = EventLoop.current();
  assert(EventLoop.current() === created);
  created.destroy();
  using explicit = new EventLoop();
  assert(EventLoop.current() === explicit);
});

test("EventLoop: a throwing callback is reported and the loop goes on", async () => {
  using loop = new EventLoop();
  const reported: [unknown, Handler][] = [];
  loop.setExceptionHandler((error, handler) => reported.push([error, handler]));
  let after = false;
  const bad = loop.callSoon(function explode() {
    throw new Error("boom");
  });
  loop.callSoon(async function rejects() {
    await null;
    throw new Error("async boom");
  });
  loop.callLater(1, () => after = true);
  await loop.run();
  assert(after);
  assertEquals(reported.length, 2);
  assertEquals((reported[0][0] as Error).message, "boom");
  assert(reported[0][1] === bad);
  assertEquals(reported[0][1].callbackName, "explode");
  assertEquals((reported[1][0] as Error).message, "async boom");
});

test("EventLoop default exception handler prints the callback's name", async () => {
  using loop = new EventLoop();
  const original = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    loop.callSoon(function namedCallback() {
      throw new Error("visible");
    });
    await loop.run();
  } finally {
    console.error = original;
  }
  assertEquals(lines.length, 1);
  assert(lines[0].includes("namedCallback") && lines[0].includes("visible"), lines[0]);
});

test("EventLoop.switch() yields to the loop and starts it", async () => {
  using loop = new EventLoop();
  const order: string[] = [];
  loop.callSoon(() => order.push("queued before"));
  await loop.switch();
  order.push("after switch");
  assertEquals(order, ["queued before", "after switch"]);
  assert(loop.running, "switch() started the loop");
  loop.stop();
  await settled(loop);
  assert(!loop.running);
});

test("EventLoop.callFromThread() on the loop's own thread queues and runs", async () => {
  using loop = new EventLoop();
  const got: number[] = [];
  loop.callFromThread((n: number) => got.push(n), 7);
  await loop.run();
  assertEquals(got, [7]);
});

test("EventLoop[Symbol.dispose]() of a running loop stops it and destroys it after the iteration", async () => {
  let kept: EventLoop;
  let run: Promise<void>;
  {
    using loop = new EventLoop();
    kept = loop;
    loop.callLater(10_000, () => {});
    run = loop.runForever();
    await loop.switch();
  }
  // The thread may make a new loop at once.
  new EventLoop().destroy();
  await run;
  assert(kept.destroyed);
});
