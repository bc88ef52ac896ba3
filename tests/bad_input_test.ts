// Bad input always gets a clear TypeError, RangeError or SystemError, and
// the loop stays usable afterwards.
import { EventLoop, fd, Handler } from "@evloop/evloop";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { test } from "./_harness.ts";

test("EventLoop rejects non-function callbacks with a TypeError", async () => {
  using loop = new EventLoop();
  const bad: unknown[] = [undefined, null, 42, "cb", {}, []];
  for (const value of bad) {
    // deno-lint-ignore no-explicit-any
    const cb = value as any;
    assertThrows(
      () => loop.callSoon(cb),
      TypeError,
      "Cannot schedule a callback: the callback must be a function",
    );
    assertThrows(() => loop.callLater(1, cb), TypeError, "must be a function");
    assertThrows(() => loop.callAt(1, cb), TypeError, "must be a function");
    assertThrows(() => loop.addReader(0, cb), TypeError, "must be a function");
    assertThrows(() => loop.addWriter(1, cb), TypeError, "must be a function");
  }
  // Nothing half-registered: the loop runs and ends at once.
  assertEquals(loop._core.watchCount, 0);
  let ok = false;
  loop.callSoon(() => ok = true);
  await loop.run();
  assert(ok);
});

test("EventLoop rejects a Handler passed as a callback with a TypeError", () => {
  using loop = new EventLoop();
  const handler = loop.callSoon(() => {});
  assert(handler instanceof Handler);
  // deno-lint-ignore no-explicit-any
  const cb = handler as any;
  assertThrows(() => loop.callSoon(cb), TypeError, "the callback is a Handler");
  assertThrows(() => loop.callLater(1, cb), TypeError, "the callback is a Handler");
  const [r, w] = fd.pipe();
  assertThrows(() => loop.addReader(r, cb), TypeError, "the callback is a Handler");
  assert(!loop.removeReader(r));
  fd.close(r);
  fd.close(w);
});

test("EventLoop.callLater() rejects NaN and infinite delays with a RangeError", async () => {
  using loop = new EventLoop();
  for (const delay of [NaN, Infinity, -Infinity]) {
    assertThrows(() => loop.callLater(delay, () => {}), RangeError, "the delay must be finite");
    assertThrows(() => loop.callAt(delay, () => {}), RangeError, "the time must be finite");
  }
  // deno-lint-ignore no-explicit-any
  assertThrows(() => loop.callLater("5" as any, () => {}), TypeError, "must be a number");
  assertEquals(loop._core.timerCount, 0);
  await loop.run();
});

test("EventLoop.addReader() rejects fd -1 and non-integer fds with a RangeError", () => {
  using loop = new EventLoop();
  for (const bad of [-1, 1.5, NaN, 2 ** 40]) {
    assertThrows(
      () => loop.addReader(bad, () => {}),
      RangeError,
      "fd must be a non-negative integer",
    );
    assertThrows(
      () => loop.addWriter(bad, () => {}),
      RangeError,
      "fd must be a non-negative integer",
    );
    assertThrows(() => loop.removeReader(bad), RangeError);
  }
  // deno-lint-ignore no-explicit-any
  assertThrows(() => loop.addReader("3" as any, () => {}), TypeError, "fd must be a number");
  assertEquals(loop._core.watchCount, 0);
});

test("EventLoop constructor rejects an unknown mode", () => {
  // deno-lint-ignore no-explicit-any
  assertThrows(() => new EventLoop({ mode: "turbo" as any }), RangeError, 'unknown mode "turbo"');
  // The refused construction did not claim the thread.
  new EventLoop().destroy();
});

test("EventLoop.setExceptionHandler() rejects a non-function", () => {
  using loop = new EventLoop();
  // deno-lint-ignore no-explicit-any
  assertThrows(() => loop.setExceptionHandler(1 as any), TypeError, "must be a function or null");
});

test("fd helpers reject bad arguments with clear errors", () => {
  assertThrows(() => fd.read(-1, new Uint8Array(1)), RangeError, "Cannot read from fd -1");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => fd.read(0, "x" as any), TypeError, "the buffer must be a Uint8Array");
  assertThrows(() => fd.tcpListen("127.0.0.1", 70000), RangeError, "port must be an integer");
  assertThrows(() => fd.sendOob(0, 300), RangeError, "byte must be an integer in 0..255");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => fd.shutdown(0, "sideways" as any), RangeError);
});
