import { assertEquals } from "@std/assert";
import { RingQueue } from "../src/core/ring_queue.ts";
import { test } from "./_harness.ts";

test("RingQueue keeps FIFO order across growth and wrap-around", () => {
  const q = new RingQueue<number>();
  const out: number[] = [];
  let next = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 37; i++) q.push(next++);
    for (let i = 0; i < 30; i++) out.push(q.shift()!);
  }
  while (q.length > 0) out.push(q.shift()!);
  assertEquals(out, Array.from({ length: next }, (_, i) => i));
  assertEquals(q.shift(), undefined);
});

test("RingQueue.length counts what was pushed and not shifted", () => {
  const q = new RingQueue<string>();
  assertEquals(q.length, 0);
  q.push("a");
  q.push("b");
  assertEquals(q.length, 2);
  assertEquals(q.shift(), "a");
  assertEquals(q.length, 1);
});
