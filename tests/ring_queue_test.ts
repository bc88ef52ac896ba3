import { assertEquals } from "@std/assert";
import { RingQueue, SEGMENT_SIZE } from "../src/core/ring_queue.ts";
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

test("RingQueue keeps FIFO order across segment boundaries, drained and refilled", () => {
  const q = new RingQueue<number>();
  const out: number[] = [];
  let next = 0;
  // Fill past three segments, drain half, refill (the spare segment is
  // reused), then drain all: every boundary is crossed both ways.
  for (let i = 0; i < 3 * SEGMENT_SIZE + 5; i++) q.push(next++);
  for (let i = 0; i < 1.5 * SEGMENT_SIZE; i++) out.push(q.shift()!);
  for (let i = 0; i < 2 * SEGMENT_SIZE + 1; i++) q.push(next++);
  assertEquals(q.length, next - out.length);
  while (q.length > 0) out.push(q.shift()!);
  assertEquals(out, Array.from({ length: next }, (_, i) => i));
  assertEquals(q.shift(), undefined);
  // Emptied exactly at a segment's end, it starts over and still works.
  for (let i = 0; i < SEGMENT_SIZE; i++) q.push(i);
  for (let i = 0; i < SEGMENT_SIZE; i++) assertEquals(q.shift(), i);
  q.push(7);
  assertEquals([q.length, q.shift(), q.length], [1, 7, 0]);
});

test("RingQueue.clear() drops every item", () => {
  const q = new RingQueue<number>();
  for (let i = 0; i < SEGMENT_SIZE + 3; i++) q.push(i);
  q.clear();
  assertEquals([q.length, q.shift()], [0, undefined]);
  q.push(1);
  assertEquals(q.shift(), 1);
});
