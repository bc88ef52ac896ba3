// loop.sleep() and loop.abortAfter(): promises and signals on the loop's
// timers, which fire in exclusive mode too.
import { EventLoop, fd } from "@evloop/evloop";
import { assert, assertEquals, assertInstanceOf, assertRejects, assertThrows } from "@std/assert";
import { test } from "./_harness.ts";
import { assertIdle, eachLoop } from "./_loops.ts";

eachLoop(test, "sleep() resolves once the delay passed, never early", async (s) => {
  const delays = await s.during(async () => {
    const out: number[] = [];
    for (const ms of [0, 1, 7]) {
      const start = s.raw instanceof EventLoop ? s.raw.time() : performance.now();
      await s.loop.sleep(ms);
      const end = s.raw instanceof EventLoop ? s.raw.time() : performance.now();
      out.push(end - start - ms);
    }
    return out;
  });
  assert(delays.every((late) => late >= -0.001), delays.join());
  assertIdle(s);
});

eachLoop(test, "sleep() aborted rejects with signal.reason and removes its timer", async (s) => {
  const controller = new AbortController();
  const reason = await s.during(async () => {
    const p = s.loop.sleep(60_000, { signal: controller.signal });
    assertEquals(s.core.timerCount, 1);
    await s.loop.sleep(1);
    controller.abort(new Error("enough"));
    return await p.catch((e) => e);
  });
  assertEquals((reason as Error).message, "enough");
  assertIdle(s);
});

eachLoop(test, "sleep() refuses bad input and rejects when the loop goes", async (s) => {
  await assertRejects(() => s.loop.sleep(NaN), RangeError);
  await assertRejects(() => s.loop.sleep("1" as unknown as number), TypeError);
  await assertRejects(() => s.loop.sleep(1, 3 as never), TypeError);
  const pending = s.loop.sleep(60_000);
  s.close();
  await assertRejects(() => pending, Error, "loop was closed");
  await assertRejects(() => s.loop.sleep(1), Error, "closed");
});

eachLoop(
  test,
  "abortAfter() aborts with a TimeoutError DOMException from a loop timer",
  async (s) => {
    const [r, w] = fd.pipe();
    const error = await s.during(() =>
      s.loop.readable(r, { signal: s.loop.abortAfter(3) }).catch((e) => e)
    );
    assertInstanceOf(error, DOMException);
    assertEquals(error.name, "TimeoutError");
    await Promise.resolve();
    assertIdle(s);
    assertThrows(() => s.loop.abortAfter(Infinity), RangeError);
    fd.close(r);
    fd.close(w);
  },
);

test("EventLoop.abortAfter(): its timer does not keep run() going, sleep()'s does", async () => {
  using loop = new EventLoop({ mode: "exclusive" });
  const signal = loop.abortAfter(60_000);
  let slept = false;
  loop.sleep(2).then(() => slept = true);
  await loop.run();
  assert(slept);
  assert(!signal.aborted);
});

test("EventLoop.sleep(): an exclusive loop fires it while the host's timers wait", async () => {
  using loop = new EventLoop({ mode: "exclusive" });
  let hostFired = false;
  const host = setTimeout(() => hostFired = true, 0);
  const order: string[] = [];
  const work = (async () => {
    for (let i = 0; i < 3; i++) {
      await loop.sleep(1);
      order.push(`slept ${i}`);
    }
  })();
  await loop.run();
  await work;
  clearTimeout(host);
  assertEquals(order, ["slept 0", "slept 1", "slept 2"]);
  void hostFired;
});

eachLoop(
  test,
  "a long promise chain started by a loop callback progresses before the loop blocks",
  async (s) => {
    const steps = await s.during(async () => {
      let n = 0;
      await s.loop.sleep(1);
      // Fifty hops of microtasks between loop callbacks: an exclusive loop
      // must let them all run before it blocks in the kernel again.
      for (let i = 0; i < 50; i++) {
        await Promise.resolve();
        n++;
      }
      await s.loop.sleep(1);
      for (let i = 0; i < 50; i++) await new Promise<void>((resolve) => queueMicrotask(resolve));
      return n + 50;
    });
    assertEquals(steps, 100);
    assertIdle(s);
  },
);

test("EventLoop promises after its run reject at once: a stopped loop cannot run again", async () => {
  for (const mode of ["hosted", "exclusive"] as const) {
    using loop = new EventLoop({ mode });
    await loop.run();
    const [r, w] = fd.pipe();
    try {
      const why = /the loop has stopped, and a stopped loop cannot run again/;
      // Before: each of these pended for ever (nothing could settle it).
      await assertRejects(() => loop.sleep(1), Error, "Cannot sleep: the loop has stopped");
      await assertRejects(() => loop.readable(r), Error, "cannot run again");
      await assertRejects(() => loop.writable(w), Error, "cannot run again");
      assertThrows(() => loop.abortAfter(1), Error, "cannot run again");
      assertThrows(() => loop.streams(r), Error, "cannot run again");
      assertThrows(() => loop.signals("SIGUSR2"), Error, "cannot run again");
      assert(why.test(String(await loop.sleep(0).catch((e) => e))));
    } finally {
      fd.close(r);
      fd.close(w);
    }
  }
});
