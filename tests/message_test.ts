import { assertEquals, assertThrows } from "@std/assert";
import { decodeCall, encodeCall } from "../src/threads/message.ts";
import { test } from "./_harness.ts";

const action = "Cannot post to loop 1";

test("encodeCall() and decodeCall() round-trip a name and JSON arguments", () => {
  const text = encodeCall("tick", [1, "two", null, true, [3], { four: 4 }], action);
  assertEquals(text, '["tick",1,"two",null,true,[3],{"four":4}]');
  assertEquals(decodeCall(text), {
    ok: true,
    name: "tick",
    args: [1, "two", null, true, [3], { four: 4 }],
  });
});

test("encodeCall() refuses an empty name and values JSON would change", () => {
  assertThrows(() => encodeCall("", [], action), TypeError, `${action}: the name must be`);
  for (const bad of [undefined, () => {}, 1n, NaN, Infinity, new Date(0), new Map()]) {
    assertThrows(() => encodeCall("f", [bad], action), TypeError, action);
  }
  const cycle: unknown[] = [];
  cycle.push(cycle);
  assertThrows(() => encodeCall("f", [cycle], action), TypeError, action);
});

test("decodeCall() says why a text is not a call", () => {
  assertEquals(decodeCall("{"), { ok: false, reason: "it is not JSON" });
  assertEquals(decodeCall('{"a":1}'), {
    ok: false,
    reason: 'it is not an array ["name", ...args]',
  });
  assertEquals(decodeCall("[1,2]"), {
    ok: false,
    reason: 'it is not an array ["name", ...args]',
  });
});
