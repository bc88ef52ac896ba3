// Loop logic on a fake poller with virtual time: no sleeping, exact clocks.
import { EventLoop } from "@evloop/evloop";
import { assert, assertEquals } from "@std/assert";
import { FakePoller } from "./_fake_poller.ts";
import { test } from "./_harness.ts";

test("EventLoop poll timeout: 0 with ready work, the next timer's distance, then done", async () => {
  const poller = new FakePoller(1000);
  using loop = new EventLoop({ mode: "exclusive", poller });
  const fired: number[] = [];
  loop.callSoon(() => {});
  loop.callLater(25, () => fired.push(loop.time()));
  loop.callLater(40, () => fired.push(loop.time()));
  await loop.run();
  assertEquals(fired, [1025, 1040]);
  // Ready work polls with 0; then the loop waits exactly to each deadline.
  const waits = poller.timeouts.filter((t) => t !== 0);
  assertEquals(waits, [25, 15]);
});

test("EventLoop on virtual time: callAt() in the past runs soon, in order with callSoon", async () => {
  const poller = new FakePoller(5000);
  using loop = new EventLoop({ mode: "exclusive", poller });
  const order: string[] = [];
  loop.callSoon(() => order.push("soon"));
  loop.callAt(10, () => order.push("past"));
  loop.callAt(5010, () => order.push("future"));
  await loop.run();
  assertEquals(order, ["soon", "past", "future"]);
  assertEquals(loop.time(), 5010);
});

test("EventLoop.callAt() keeps equal times in scheduling order when the time passed between the calls", async () => {
  const poller = new FakePoller(1000);
  using loop = new EventLoop({ mode: "exclusive", poller });
  const order: number[] = [];
  for (let i = 0; i < 8; i++) loop.callAt(1005, () => order.push(i));
  // A slow caller: the time is past before the last two calls are made.
  poller.advance(10);
  for (let i = 8; i < 10; i++) loop.callAt(1005, () => order.push(i));
  await loop.run();
  assertEquals(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("EventLoop recomputes the timeout after EINTR and fires on time", async () => {
  class InterruptedOnce extends FakePoller {
    interrupted = false;
    override wait(out: Int32Array, timeoutMs: number): number {
      if (!this.interrupted && timeoutMs > 0) {
        // A signal cut the wait short after 4 ms.
        this.interrupted = true;
        this.timeouts.push(timeoutMs);
        this.advance(4);
        return -4; // -EINTR
      }
      return super.wait(out, timeoutMs);
    }
  }
  const poller = new InterruptedOnce(0);
  using loop = new EventLoop({ mode: "exclusive", poller });
  let at = -1;
  loop.callLater(10, () => at = loop.time());
  await loop.run();
  assert(poller.interrupted);
  assertEquals(at, 10);
  // The retry waited only what was left: 10 - 4.
  assertEquals(poller.timeouts.filter((t) => t > 0), [10, 6]);
});

test("EventLoop readiness on virtual time: level-triggered until the level drops", async () => {
  const poller = new FakePoller();
  using loop = new EventLoop({ mode: "exclusive", poller });
  poller.levels.set(7, 0x001);
  let calls = 0;
  loop.addReader(7, () => {
    if (++calls === 3) {
      poller.levels.delete(7);
      loop.removeReader(7);
    }
  });
  await loop.run();
  assertEquals(calls, 3);
  assertEquals(poller.interest.size, 0);
});

test("EventLoop on virtual time: a hang-up runs both the reader and the writer", async () => {
  const poller = new FakePoller();
  using loop = new EventLoop({ mode: "exclusive", poller });
  poller.levels.set(9, 0x010); // HUP only
  const ran: string[] = [];
  loop.addReader(9, () => (ran.push("r"), loop.removeReader(9)));
  loop.addWriter(9, () => (ran.push("w"), loop.removeWriter(9)));
  await loop.run();
  assertEquals(ran, ["r", "w"]);
});
