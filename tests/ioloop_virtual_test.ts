import { IOLoop, type IOLoopErrorSource, type Mode, SystemError } from "@evloop/evloop";
import {
  assert,
  assertEquals,
  assertFalse,
  assertInstanceOf,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { FakePoller } from "./_fake_poller.ts";
import { test, within } from "./_harness.ts";

const MODES: Mode[] = ["hosted", "exclusive"];
const LIMIT_MS = 10_000;
const ERR = 0x008;
const HUP = 0x010;

type Failure = [error: unknown, source: IOLoopErrorSource];

function failures(loop: IOLoop): Failure[] {
  const seen: Failure[] = [];
  loop.setExceptionHandler((error, source) => seen.push([error, source]));
  return seen;
}

function run(loop: IOLoop, what: string): Promise<void> {
  return within(loop.start(), LIMIT_MS, what);
}

/** A fake poller whose kernel refuses to modify one fd. */
class RefusingPoller extends FakePoller {
  // A plain field: Node strips types only, and a parameter property is
  // not a type.
  readonly refused: number;

  constructor(refused: number) {
    super();
    this.refused = refused;
  }

  override ctl(op: number, fd: number, events: number): number {
    if (op === 2 && fd === this.refused) return -9; // -EBADF
    return super.ctl(op, fd, events);
  }
}

for (const mode of MODES) {
  test(`IOLoop.setInterval() keeps an aligned schedule and skips missed periods (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    const durations = [9, 9, 10, 11, 20, 20, 35, 35, 0, 0, 0];
    const calls: number[] = [];
    loop.setInterval(10, () => {
      calls.push(fake.now());
      fake.advance(durations[calls.length - 1]);
      if (calls.length === 11) loop.stop();
    });
    await run(loop, "eleven interval calls");
    assertEquals(calls, [1010, 1020, 1030, 1050, 1070, 1100, 1130, 1170, 1210, 1220, 1230]);
    loop.close();
  });

  test(`IOLoop.setInterval() first calls one period after it is set (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    const calls: string[] = [];
    const outer = loop.setInterval(3, () => {
      // Set at 1003, from inside the loop.
      loop.clearInterval(outer);
      calls.push(`set at ${fake.now()}`);
      const ref = loop.setInterval(7, (tag) => {
        calls.push(`${tag} at ${fake.now()}`);
        if (calls.length === 3) {
          loop.clearInterval(ref);
          loop.stop();
        }
      }, "tick");
    });
    await run(loop, "the interval");
    assertEquals(calls, ["set at 1003", "tick at 1010", "tick at 1017"]);
    loop.close();
  });

  test(`IOLoop.addTimeout() fires in deadline order, equal timestamps in add order (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    const seen: string[] = [];
    const base = Date.now();
    const add = (offset: number, name: string) =>
      loop.addTimeout(base + offset, () => seen.push(`${name}@${fake.now() - 1000}`));
    add(30, "A");
    add(10, "B");
    add(10, "C");
    add(20, "D");
    add(10, "E");
    add(-5, "past");
    loop.addTimeout(base + 40, () => loop.stop());
    await run(loop, "the timeouts");
    // The real ms the test took shift the deadlines later, never earlier.
    assertEquals(seen.map((s) => s.split("@")[0]), ["past", "B", "C", "E", "D", "A"]);
    const at = seen.map((s) => Number(s.split("@")[1]));
    for (const [i, offset] of [0, 10, 10, 10, 20, 30].entries()) {
      assert(at[i] >= offset, `${seen[i]} fired early`);
    }
    loop.close();
  });

  test(`IOLoop.addCallback() inside a callback runs in the next iteration (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    const polls: number[] = [];
    loop.addCallback(() => {
      polls.push(fake.timeouts.length);
      loop.addCallback(() => {
        polls.push(fake.timeouts.length);
        loop.stop();
      });
    });
    await run(loop, "the callbacks");
    assertEquals(polls.length, 2);
    assert(polls[1] > polls[0], "no poll between the two callbacks");
    loop.close();
  });

  test(`IOLoop handlers only see the kinds they asked for, plus ERROR (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    const seen: Record<string, number[]> = { read: [], write: [], errors: [] };
    // fd 5 is readable, writable and has urgent data, all at once.
    fake.levels.set(5, IOLoop.READ | IOLoop.WRITE | IOLoop.PRI);
    fake.levels.set(6, IOLoop.READ | IOLoop.WRITE | ERR);
    fake.levels.set(7, HUP);
    // Always ready: virtual time stands still, so counts end the run.
    loop.addHandler(5, IOLoop.READ, (_fd, events) => {
      seen.read.push(events);
      if (seen.read.length === 2) loop.updateHandler(5, IOLoop.WRITE);
      if (seen.read.length === 5) loop.stop();
    });
    loop.addHandler(6, IOLoop.WRITE, (_fd, events) => seen.write.push(events));
    // Asking for no kind at all still watches ERROR.
    loop.addHandler(7, 0, (_fd, events) => seen.errors.push(events));
    assertEquals(fake.interest.get(5), IOLoop.READ | IOLoop.ERROR);
    assertEquals(fake.interest.get(7), IOLoop.ERROR);
    await run(loop, "the handlers");
    assertEquals(seen.read, [IOLoop.READ, IOLoop.READ, IOLoop.WRITE, IOLoop.WRITE, IOLoop.WRITE]);
    for (const events of seen.write) assertEquals(events, IOLoop.WRITE | ERR);
    for (const events of seen.errors) assertEquals(events, HUP);
    assert(seen.write.length > 0 && seen.errors.length > 0);
    loop.close();
  });

  test(`IOLoop.updateHandler() filters events already reported in the batch (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    const seen: string[] = [];
    fake.levels.set(10, IOLoop.READ);
    fake.levels.set(11, IOLoop.READ);
    fake.levels.set(12, IOLoop.READ);
    loop.addHandler(10, IOLoop.READ, () => {
      const n = seen.push("10");
      if (n === 4) loop.stop();
      if (n > 1) return;
      // Both events are already queued behind this handler.
      loop.updateHandler(11, IOLoop.WRITE);
      loop.removeHandler(12);
    });
    loop.addHandler(11, IOLoop.READ, () => seen.push("11"));
    loop.addHandler(12, IOLoop.READ, () => seen.push("12"));
    await run(loop, "the batch");
    assertEquals(seen, ["10", "10", "10", "10"]);
    assertFalse(fake.interest.has(12));
    assertEquals(fake.interest.get(11), IOLoop.WRITE | IOLoop.ERROR);
    loop.close();
  });

  test(`IOLoop handler that throws is removed from the poller (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    const errors = failures(loop);
    fake.levels.set(20, IOLoop.READ);
    fake.levels.set(21, IOLoop.READ);
    let good = 0;
    loop.addHandler(20, IOLoop.READ, () => {
      throw new Error("broken");
    }, "arg");
    loop.addHandler(21, IOLoop.READ, () => {
      if (++good === 3) loop.stop();
    });
    await run(loop, "the handlers");
    assertFalse(fake.interest.has(20));
    assert(fake.interest.has(21));
    assertEquals(errors.map(([, source]) => source), [
      { kind: "handler", name: "<anonymous>", fd: 20 },
    ]);
    // The fd is free for a new handler.
    assert(loop.addHandler(20, IOLoop.READ, () => {}));
    loop.close();
  });

  test(`IOLoop handler whose promise rejects is reported and removed (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    const errors = failures(loop);
    fake.levels.set(22, IOLoop.READ);
    fake.levels.set(23, IOLoop.READ);
    let calls = 0;
    let good = 0;
    loop.addHandler(22, IOLoop.READ, async function later() {
      calls++;
      await undefined;
      throw new Error("async boom");
    });
    loop.addHandler(23, IOLoop.READ, () => {
      if (++good === 5) loop.stop();
    });
    await run(loop, "the handlers");
    // Removed once the rejection arrives; it may have run again meanwhile.
    assertFalse(fake.interest.has(22));
    assert(calls >= 1 && calls < good);
    assertEquals(errors.length, calls);
    for (const [, source] of errors) {
      assertEquals(source, { kind: "handler", name: "later", fd: 22 });
    }
    loop.close();
  });

  test(`IOLoop timeouts and intervals that throw are reported and go on (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    const errors = failures(loop);
    let ticks = 0;
    const ref = loop.setInterval(5, function ticker() {
      if (++ticks === 3) loop.stop();
      throw new Error(`tick ${ticks}`);
    });
    const timeout = loop.addTimeout(Date.now() - 1, function late() {
      throw new Error("late");
    });
    await run(loop, "the interval");
    assertEquals(ticks, 3);
    assertEquals(errors.map(([, s]) => s), [
      { kind: "timeout", name: "late", ref: timeout },
      { kind: "interval", name: "ticker", ref },
      { kind: "interval", name: "ticker", ref },
      { kind: "interval", name: "ticker", ref },
    ]);
    loop.close();
  });

  test(`IOLoop.stop() keeps handlers, timeouts and intervals (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    fake.levels.set(30, IOLoop.READ);
    let reads = 0;
    loop.addHandler(30, IOLoop.READ, () => {
      if (++reads === 1) loop.stop();
    });
    const timeout = loop.addTimeout(Date.now() + 60_000, () => {});
    let ticks = 0;
    const interval = loop.setInterval(1, () => ticks++);
    await run(loop, "the first run");
    assertEquals(fake.interest.get(30), IOLoop.READ | IOLoop.ERROR);
    assertEquals(loop._core.timerCount, 2);
    loop.addCallback(() => loop.addCallback(() => loop.stop()));
    await run(loop, "the second run");
    assert(reads > 1);
    assert(loop.removeTimeout(timeout));
    assert(loop.clearInterval(interval));
    assert(loop.removeHandler(30));
    loop.close();
  });

  test(`IOLoop.close() inside the loop drops every callback, handler, timeout and interval (${mode})`, async () => {
    const fake = new FakePoller(1000);
    const loop = new IOLoop({ mode, poller: fake });
    fake.levels.set(40, IOLoop.READ);
    loop.addHandler(40, IOLoop.READ, () => {});
    loop.addHandler(41, IOLoop.WRITE, () => {});
    loop.addTimeout(Date.now() + 60_000, () => {});
    loop.setInterval(1000, () => {});
    let late = false;
    loop.addCallback(() => {
      loop.close();
      loop.addCallback(() => late = true);
      loop.addTimeout(Date.now(), () => late = true);
    });
    await run(loop, "the run");
    assertFalse(late);
    assertEquals(fake.interest.size, 0);
    assertEquals(loop._core.timerCount, 0);
    assertEquals(loop._core.readyCount, 0);
    assertEquals(loop._core.watchCount, 0);
    assert(loop._core.closed);
  });
}

test("IOLoop.updateHandler() refused by the kernel returns false and keeps the old mask", () => {
  const fake = new RefusingPoller(13);
  const loop = new IOLoop({ poller: fake });
  const errors = failures(loop);
  assert(loop.addHandler(13, IOLoop.READ, function onData() {}));
  assertFalse(loop.updateHandler(13, IOLoop.WRITE));
  assertEquals(fake.interest.get(13), IOLoop.READ | IOLoop.ERROR);
  assertEquals(errors.length, 1);
  assertInstanceOf(errors[0][0], SystemError);
  assertEquals((errors[0][0] as SystemError).code, "EBADF");
  assertEquals(errors[0][1], { kind: "watch", name: "onData", fd: 13 });
  // Still there, with its mask (updateHandler renews even an unchanged
  // mask, which this poller refuses too).
  assertEquals(fake.interest.get(13), IOLoop.READ | IOLoop.ERROR);
  assert(loop.removeHandler(13));
  loop.close();
});

test("IOLoop bad input never changes the loop's state", () => {
  const fake = new FakePoller(1000);
  const loop = new IOLoop({ poller: fake });
  const h = () => {};
  loop.addHandler(3, IOLoop.READ, h);
  const ref = loop.addTimeout(Date.now() + 100, h);
  const before = {
    interest: [...fake.interest],
    timers: loop._core.timerCount,
    ready: loop._core.readyCount,
    watches: loop._core.watchCount,
  };
  const bad: (() => unknown)[] = [
    () => loop.addHandler(4, 0x40, h),
    () => loop.addHandler(4, IOLoop.READ, undefined as unknown as () => void),
    () => loop.addHandler(4.5, IOLoop.READ, h),
    () => loop.updateHandler(3, 0x1000),
    () => loop.updateHandler(3, "READ" as unknown as number),
    () => loop.removeHandler(-3),
    () => loop.addTimeout(NaN, h),
    () => loop.addTimeout(Date.now(), "h" as unknown as () => void),
    () => loop.setInterval(0, h),
    () => loop.setInterval(NaN, h),
    () => loop.setInterval(-Infinity, h),
    () => loop.setInterval(5, null as unknown as () => void),
    () => loop.addCallback(undefined as unknown as () => void),
  ];
  for (const call of bad) assertThrows(call);
  assertEquals({
    interest: [...fake.interest],
    timers: loop._core.timerCount,
    ready: loop._core.readyCount,
    watches: loop._core.watchCount,
  }, before);
  // Refs of other kinds or made up ones are simply unknown.
  assertFalse(loop.removeTimeout(ref + 1000));
  assertFalse(loop.clearInterval(ref));
  assertFalse(loop.removeTimeout("1" as unknown as number));
  assertStrictEquals(loop._core.timerCount, 1);
  loop.close();
});
