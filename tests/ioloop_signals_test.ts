// turbo's signal API on IOLoop: one handler per signal, (arg, signo, siginfo).
import { IOLoop, type SignalInfo } from "@evloop/evloop";
import { assert, assertEquals, assertThrows } from "@std/assert";
import process from "node:process";
import { test, within } from "./_harness.ts";

for (const mode of ["hosted", "exclusive"] as const) {
  test(`IOLoop.addSignalHandler() gets (arg, signo, siginfo) with the sender's pid (${mode})`, async () => {
    const loop = new IOLoop({ mode });
    const got: unknown[] = [];
    loop.addSignalHandler("SIGUSR2", (arg: string, signo: number, info: SignalInfo) => {
      got.push(arg, signo, info.signo, info.pid, typeof info.uid, typeof info.code);
      loop.close();
    }, "tag");
    loop.addCallback(() => process.kill(process.pid, "SIGUSR2"));
    await within(loop.start(), 10_000, "the signal");
    assertEquals(got, ["tag", 12, 12, process.pid, "number", "number"]);
  });
}

test("IOLoop.addSignalHandler() replaces the previous handler for the signal", async () => {
  const loop = new IOLoop();
  const calls: string[] = [];
  loop.addSignalHandler(12, () => calls.push("first"));
  loop.addSignalHandler("SIGUSR2", (signo: number) => {
    calls.push(`second ${signo}`);
    loop.close();
  });
  loop.addCallback(() => process.kill(process.pid, "SIGUSR2"));
  await within(loop.start(), 10_000, "the signal");
  assertEquals(calls, ["second 12"]);
});

test("IOLoop.removeSignalHandler() returns whether one was removed; close() removes them", () => {
  const loop = new IOLoop();
  assert(!loop.removeSignalHandler("SIGUSR2"));
  loop.addSignalHandler("SIGUSR2", () => {});
  assert(loop.removeSignalHandler("SIGUSR2"));
  loop.addSignalHandler("SIGUSR2", () => {});
  loop.close();
  assert(!loop.removeSignalHandler("SIGUSR2"));
});

test("IOLoop.addSignalHandler() refuses bad signals and non-functions clearly", () => {
  const loop = new IOLoop();
  assertThrows(() => loop.addSignalHandler("SIGFOO", () => {}), RangeError);
  assertThrows(() => loop.addSignalHandler(0, () => {}), RangeError);
  assertThrows(() => loop.addSignalHandler("SIGKILL", () => {}), Error, "cannot be caught");
  assertThrows(() => loop.addSignalHandler("SIGSEGV", () => {}), Error);
  // deno-lint-ignore no-explicit-any
  assertThrows(() => loop.addSignalHandler("SIGUSR2", 5 as any), TypeError, "must be a function");
  loop.close();
});
