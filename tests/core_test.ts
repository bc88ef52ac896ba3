// LoopCore on the fake poller: the lifecycle both APIs share (mode,
// construction, runs and stops, close when the run returns, teardown
// hooks, where errors go).
import { assert, assertEquals, assertFalse, assertRejects, assertThrows } from "@std/assert";
import { type ErrorSink, ExceptionSink, LoopCore } from "../src/core/loop_core.ts";
import { Handler } from "../src/core/handler.ts";
import { SignalRegistry } from "../src/signals/registry.ts";
import { IOLoop } from "../src/api/ioloop.ts";
import { FakePoller } from "./_fake_poller.ts";
import { test } from "./_harness.ts";

/** A fake poller that counts its closes. */
class ClosingPoller extends FakePoller {
  closes = 0;
  override close(): void {
    this.closes++;
  }
}

function makeCore(
  options: { mode?: "hosted" | "exclusive" } = {},
): { core: LoopCore; poller: ClosingPoller; errors: [unknown, string][] } {
  const poller = new ClosingPoller();
  const errors: [unknown, string][] = [];
  const onError: ErrorSink = (error, handler) => errors.push([error, handler.callbackName]);
  const core = new LoopCore({ what: "a test loop", options: { poller, ...options }, onError });
  return { core, poller, errors };
}

test("LoopCore rejects an unknown mode before it touches the poller", () => {
  const poller = new ClosingPoller();
  assertThrows(
    () =>
      new LoopCore({ what: "a test loop", options: { mode: "busy", poller }, onError: () => {} }),
    RangeError,
    'Cannot create a test loop: unknown mode "busy" (use "hosted" or "exclusive")',
  );
  assertEquals(poller.closes, 0);
});

test("new IOLoop() closes its core's poller when attaching the inbox throws", () => {
  class RefusingInbox extends ClosingPoller {
    inboxSetLimit(): number {
      return -22; // -EINVAL: the shim refuses the limit
    }
  }
  const poller = new RefusingInbox();
  assertThrows(
    () => new IOLoop({ poller, inboxLimit: { messages: 5 } }),
    Error,
    "Cannot set the inbox limit",
  );
  assertEquals(poller.closes, 1);
});

test("LoopCore.run() ends when nothing keeps it alive; running spans the run", async () => {
  const { core } = makeCore({ mode: "exclusive" });
  const seen: boolean[] = [];
  core.schedule(core.poller.now() + 10, () => seen.push(core.running), []);
  const run = core.run(false);
  assert(core.running);
  await run;
  assertEquals(seen, [true]);
  assertFalse(core.running);
  assertFalse(core.started);
  core.close();
});

test("LoopCore.stop() ends a forever run after the current iteration", async () => {
  const { core } = makeCore({ mode: "exclusive" });
  const order: string[] = [];
  core.enqueue(
    new Handler(() => {
      order.push("first");
      core.stop();
    }, []),
  );
  core.enqueue(new Handler(() => order.push("same iteration"), []));
  await core.run(true);
  assertEquals(order, ["first", "same iteration"]);
  assertFalse(core.running);
  core.close();
});

test("LoopCore.run(forever, defer) runs nothing inside the call and skips a run stopped first", async () => {
  const { core } = makeCore();
  let ran = false;
  core.enqueue(new Handler(() => ran = true, []));
  const run = core.run(true, true);
  assertFalse(ran);
  core.stop();
  await run;
  assertFalse(ran);
  assertFalse(core.running);
  core.close();
});

test("LoopCore: a run started while a stopped one winds down waits for it", async () => {
  const { core } = makeCore();
  const order: string[] = [];
  core.enqueue(
    new Handler(() => {
      order.push("first run");
      core.stop();
    }, []),
  );
  const first = core.run(true, true);
  await Promise.resolve();
  const second = core.run(true, true);
  assert(core.started);
  core.enqueue(
    new Handler(() => {
      order.push("second run");
      core.stop();
    }, []),
  );
  await first;
  await second;
  assertEquals(order, ["first run", "second run"]);
  core.close();
});

test("LoopCore.closeWhenStopped() closes at once when idle, after the run otherwise", async () => {
  const idle = makeCore();
  idle.core.closeWhenStopped();
  assert(idle.core.closed);
  assertEquals(idle.poller.closes, 1);

  const { core, poller } = makeCore();
  let closedInside = true;
  core.enqueue(
    new Handler(() => {
      core.closeWhenStopped();
      closedInside = core.closed;
    }, []),
  );
  const run = core.run(true, true);
  await run;
  assertFalse(closedInside);
  assert(core.closed && !core.closing && !core.running);
  assertEquals(poller.closes, 1);
});

test("LoopCore.close() runs the teardown hooks once, before the queues are dropped", () => {
  const { core, poller } = makeCore();
  const timer = core.schedule(core.poller.now() + 5, () => {}, []);
  const seen: number[] = [];
  core.onClose(() => seen.push(core.timerCount));
  core.close();
  core.close();
  assertEquals(seen, [1]);
  assert(timer.cancelled);
  assertEquals(poller.closes, 1);
});

test("LoopCore.report() tells the error sink from the ready queue, under the origin's name", async () => {
  const { core, errors } = makeCore({ mode: "exclusive" });
  const boom = new Error("boom");
  const order: string[] = [];
  core.enqueue(new Handler(() => order.push("before"), []));
  core.report(boom, "crossThreadCall");
  assertEquals(errors, []);
  core.enqueue(new Handler(() => order.push(`after ${errors.length}`), []));
  await core.run(false);
  assertEquals(errors, [[boom, "crossThreadCall"]]);
  assertEquals(order, ["before", "after 1"]);
  core.close();
});

test("SignalRegistry.of(): one per core; a fake poller has no signals, and says so", () => {
  const { core } = makeCore();
  assert(SignalRegistry.of(core) === SignalRegistry.of(core));
  assertThrows(
    () => SignalRegistry.of(core).add(10, { deliver() {}, drop() {} }),
    Error,
    "this loop has no native poller",
  );
  core.close();
});

test("LoopCore.run() rejects when the poller fails, and the run ends", async () => {
  class Failing extends ClosingPoller {
    override wait(): number {
      return -5; // -EIO
    }
  }
  const poller = new Failing();
  const core = new LoopCore({
    what: "a test loop",
    options: { mode: "exclusive", poller },
    onError: () => {},
  });
  core.schedule(poller.now() + 5, () => {}, []);
  await assertRejects(() => core.run(false), Error, "the poller failed");
  assertFalse(core.running);
  core.close();
});

test("ExceptionSink.set() refuses what is neither a function nor null", () => {
  const sink = new ExceptionSink<string>(() => {});
  assertThrows(
    () => sink.set(42 as unknown as null),
    TypeError,
    "Cannot set the exception handler: it must be a function or null",
  );
});

test("ExceptionSink.report() goes to the user's handler, the default after set(null)", () => {
  const fallback: string[] = [];
  const user: string[] = [];
  const sink = new ExceptionSink<string>((_error, where) => fallback.push(where));
  sink.set((_error, where) => user.push(where));
  sink.report(new Error("a"), "one");
  sink.set(null);
  sink.report(new Error("b"), "two");
  assertEquals(user, ["one"]);
  assertEquals(fallback, ["two"]);
});
