import { assert, assertEquals } from "@std/assert";
import { eitherSignal } from "../src/async/abort.ts";
import { test } from "./_harness.ts";

/** Counts the abort listeners added to and removed from `signal`. */
function counted(signal: AbortSignal): { live: () => number } {
  let live = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    live++;
    add(...args);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    live--;
    remove(...args);
  }) as typeof signal.removeEventListener;
  return { live: () => live };
}

test("eitherSignal leaves no link on long-lived sources once unlinked (AbortSignal.any did, in Deno and Node)", () => {
  const closing = new AbortController();
  const cancel = new AbortController();
  const a = counted(closing.signal);
  const b = counted(cancel.signal);
  // A port's waits: many, each linked to the same two long-lived signals.
  for (let i = 0; i < 10_000; i++) {
    const either = eitherSignal(closing.signal, cancel.signal);
    assert(!either.signal.aborted);
    either.unlink();
  }
  assertEquals([a.live(), b.live()], [0, 0]);
});

test("eitherSignal aborts with the reason of whichever source aborts, also one aborted before", () => {
  const first = new AbortController();
  const second = new AbortController();
  const either = eitherSignal(first.signal, second.signal);
  second.abort("second's reason");
  assert(either.signal.aborted);
  assertEquals(either.signal.reason, "second's reason");
  first.abort("too late");
  assertEquals(either.signal.reason, "second's reason");
  either.unlink();

  const already = eitherSignal(first.signal, new AbortController().signal);
  assertEquals([already.signal.aborted, already.signal.reason], [true, "too late"]);
  const alone = new AbortController().signal;
  assertEquals(eitherSignal(alone, undefined).signal, alone); // one source: itself
});
