import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import {
  callbackName,
  checkCallback,
  Handler,
  invoke,
  retire,
  TimerHandler,
} from "../src/core/handler.ts";
import { test } from "./_harness.ts";
import { describe } from "../src/sys/validate.ts";

test("Handler.cancel() runs its hook once and marks it cancelled", () => {
  const hooks: Handler[] = [];
  const handler = new Handler(() => {}, [], (h) => hooks.push(h));
  assertFalse(handler.cancelled);
  handler.cancel();
  handler.cancel();
  assert(handler.cancelled);
  assertEquals(hooks, [handler]);
});

test("retire() cancels a Handler without its hook", () => {
  let hooked = false;
  const handler = new Handler(() => {}, [], () => hooked = true);
  retire(handler);
  assert(handler.cancelled);
  assertFalse(hooked);
});

test("invoke() calls the callback with the Handler's arguments", () => {
  const seen: unknown[][] = [];
  invoke(new Handler((...args: unknown[]) => seen.push(args), [1, "a"]));
  invoke(new Handler((...args: unknown[]) => seen.push(args), []));
  assertEquals(seen, [[1, "a"], []]);
});

test("Handler.callbackName and callbackName() name the callback or say <anonymous>", () => {
  function tick() {}
  assertEquals(new Handler(tick, []).callbackName, "tick");
  assertEquals(callbackName(tick), "tick");
  assertEquals(new Handler((() => () => {})(), []).callbackName, "<anonymous>");
});

test("TimerHandler carries its deadline and leaves the heap once", () => {
  const timer = new TimerHandler(1005, 3, () => {}, [], () => {});
  assertEquals([timer.when, timer.seq, timer.inHeap], [1005, 3, true]);
  timer.leaveHeap();
  assertFalse(timer.inHeap);
  // The flag shares the sequence number's field: the order survives it.
  timer.leaveHeap();
  assertEquals([timer.seq, timer.inHeap], [3, false]);
  const first = new TimerHandler(1005, 0, () => {}, [], () => {});
  first.leaveHeap();
  assertEquals([first.seq, first.inHeap], [0, false]);
});

test("Handler.cancel() of a handler with arguments still leaves it cancelled, not callable", () => {
  // The cancelled mark is the arguments' slot: a handler whose arguments
  // were an empty array is no different from one with arguments.
  const handler = new Handler((...args: unknown[]) => args, [1, 2]);
  assertFalse(handler.cancelled);
  handler.cancel();
  assert(handler.cancelled);
  const empty = new Handler(() => {}, []);
  assertFalse(empty.cancelled);
  retire(empty);
  assert(empty.cancelled);
});

test("checkCallback() refuses a Handler and a non-function, naming the action", () => {
  const action = "Cannot schedule a timer";
  assertThrows(
    () => checkCallback(new Handler(() => {}, []), action),
    TypeError,
    `${action}: the callback is a Handler, pass a function instead`,
  );
  assertThrows(
    () => checkCallback(5, action),
    TypeError,
    `${action}: the callback must be a function, got number 5`,
  );
  checkCallback(() => {}, action);
});

test("describe() names a value for an error message", () => {
  assertEquals(describe(null), "null");
  assertEquals(describe("x"), 'the string "x"');
  assertEquals(describe(new Map()), "Map");
  assertEquals(describe(5), "number 5");
});
