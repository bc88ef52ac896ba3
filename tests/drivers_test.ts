// The two drivers: the host runtime keeps working (hosted), promise chains
// progress (both), and an idle hosted loop wakes for its fds and timers.
import { EventLoop, fd, IOLoop } from "@evloop/evloop";
import { assert, assertEquals, assertGreaterOrEqual } from "@std/assert";
import { test, within } from "./_harness.ts";

test("EventLoop hosted: a host setInterval keeps ticking while the loop runs", async () => {
  using loop = new EventLoop({ mode: "hosted" });
  let ticks = 0;
  const interval = setInterval(() => ticks++, 2);
  // The loop stays busy for 60 ms of timers; the host must get turns.
  const end = loop.time() + 60;
  const spin = () => {
    if (loop.time() < end) loop.callLater(0.5, spin);
  };
  loop.callSoon(spin);
  await loop.run();
  clearInterval(interval);
  assertGreaterOrEqual(ticks, 5);
});

test("EventLoop hosted: a host setInterval keeps ticking while the loop is busy with callSoon", async () => {
  using loop = new EventLoop({ mode: "hosted" });
  let ticks = 0;
  const interval = setInterval(() => ticks++, 1);
  const end = performance.now() + 50;
  const busy = () => {
    if (performance.now() < end) loop.callSoon(busy);
  };
  loop.callSoon(busy);
  await loop.run();
  clearInterval(interval);
  assertGreaterOrEqual(ticks, 5);
});

test("EventLoop hosted: waits under 0.2 ms never fire early and leave the host its turns", async () => {
  using loop = new EventLoop({ mode: "hosted" });
  let ticks = 0;
  const interval = setInterval(() => ticks++, 1);
  // Timers 0.05 ms apart for 30 ms: every wait is short enough to be
  // spent in host macrotasks rather than a park.
  const end = loop.time() + 30;
  let early = 0;
  let fired = 0;
  const next = () => {
    const due = loop.time() + 0.05;
    loop.callLater(0.05, () => {
      fired++;
      if (loop.time() < due) early++;
      if (loop.time() < end) next();
    });
  };
  next();
  await loop.run();
  clearInterval(interval);
  assertEquals(early, 0);
  assert(fired > 10, `only ${fired} timers fired`);
  assertGreaterOrEqual(ticks, 5);
});

for (const mode of ["hosted", "exclusive"] as const) {
  test(`EventLoop ${mode}: a chain of 1000 awaited promises started in a callback completes`, async () => {
    using loop = new EventLoop({ mode });
    let steps = 0;
    loop.callSoon(async () => {
      for (let i = 0; i < 1000; i++) {
        await Promise.resolve();
        steps++;
      }
      loop.callSoon(() => steps++);
    });
    await loop.run();
    assertEquals(steps, 1001);
  });

  test(`EventLoop ${mode}: an idle loop wakes for a timer and for its fd`, async () => {
    using loop = new EventLoop({ mode });
    const [a, b] = fd.socketpair();
    const order: string[] = [];
    loop.addReader(b, () => {
      fd.read(b, new Uint8Array(4));
      order.push("read");
      loop.removeReader(b);
    });
    loop.callLater(15, () => {
      order.push("timer");
      fd.write(a, new Uint8Array([1]));
    });
    await within(loop.run(), 10_000, "the idle loop to wake");
    assertEquals(order, ["timer", "read"]);
    fd.close(a);
    fd.close(b);
  });
}

test("EventLoop hosted: callSoon from a host timer wakes a parked loop", async () => {
  using loop = new EventLoop({ mode: "hosted" });
  let ran = false;
  setTimeout(() => loop.callSoon(() => (ran = true, loop.stop())), 10);
  await within(loop.runForever(), 10_000, "the parked loop to wake");
  assert(ran);
});

test("EventLoop hosted: stop() from the host ends a parked runForever", async () => {
  using loop = new EventLoop({ mode: "hosted" });
  setTimeout(() => loop.stop(), 10);
  await within(loop.runForever(), 10_000, "stop() to end the park");
  assert(!loop.running);
});

test("EventLoop hosted: a shorter timer added while parked on a long one fires first", async () => {
  using loop = new EventLoop({ mode: "hosted" });
  const order: string[] = [];
  const long = loop.callLater(5_000, () => order.push("long"));
  setTimeout(() => loop.callLater(1, () => (order.push("short"), long.cancel())), 5);
  await within(loop.run(), 10_000, "the short timer");
  assertEquals(order, ["short"]);
});

test("EventLoop hosted: cancelling the last timer from the host ends a parked run() at once", async () => {
  using loop = new EventLoop({ mode: "hosted" });
  const last = loop.callLater(60_000, () => {});
  setTimeout(() => last.cancel(), 10);
  // Before the fix the park slept until the cancelled timer's deadline.
  await within(loop.run(), 20_000, "run() to end once nothing keeps it going");
});

test("EventLoop hosted: ending a signals() iteration from the host ends a parked run() at once", async () => {
  using loop = new EventLoop({ mode: "hosted" });
  const arrivals = loop.signals("SIGUSR2");
  const next = arrivals.next(); // a pending reader holds the loop
  setTimeout(() => arrivals.return(), 10);
  await within(loop.run(), 20_000, "run() to end once the reader is gone");
  assertEquals((await next).done, true);
});

test("EventLoop: destroy() right after a parked run ended leaves no waiter behind", async () => {
  for (let i = 0; i < 20; i++) {
    const loop = new EventLoop({ mode: "hosted" });
    loop.callLater(0.2, () => {});
    await loop.run();
    loop.destroy();
  }
});

// A hosted park once ended in a thread-safe callback that Deno runs while
// holding the calling (waiter) thread, so closing the poller right after a
// run (which joins that thread) deadlocked. Deno now parks with a
// nonblocking FFI call; these pin the scenario down.
test("EventLoop.destroy() right after a hosted runForever() stopped by a timer returns", async () => {
  const loop = new EventLoop();
  loop.callLater(5, () => loop.stop());
  await within(loop.runForever(), 10_000, "runForever()");
  loop.destroy();
  assert(loop.destroyed);
});

test("IOLoop.close() right after a hosted start() stopped by a timeout returns", async () => {
  const loop = new IOLoop();
  loop.addTimeout(Date.now() + 5, () => loop.stop());
  await within(loop.start(), 10_000, "start()");
  loop.close();
  assert(!loop.running());
});
