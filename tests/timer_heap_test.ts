import { assert, assertEquals } from "@std/assert";
import { TimerHandler } from "../src/core/handler.ts";
import { TimerHeap } from "../src/core/timer_heap.ts";
import { test } from "./_harness.ts";

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
}

test("TimerHeap pops live timers in (when, seq) order across compactions", () => {
  const rand = lcg(7);
  const heap = new TimerHeap();
  const timers: TimerHandler[] = [];
  for (let seq = 0; seq < 5000; seq++) {
    // Few distinct deadlines: ties must fall back on the sequence.
    const t = new TimerHandler(
      Math.floor(rand() * 100),
      seq,
      () => {},
      [],
      () => heap.noteCancelled(),
    );
    heap.push(t);
    timers.push(t);
  }
  // Cancel most of them, so the heap compacts more than once.
  for (const t of timers) if (rand() < 0.8) t.cancel();
  const expected = timers.filter((t) => !t.cancelled)
    .sort((a, b) => a.when - b.when || a.seq - b.seq);
  assertEquals(heap.live, expected.length);
  const got: TimerHandler[] = [];
  for (let t = heap.pop(); t !== undefined; t = heap.pop()) got.push(t);
  assertEquals(got.map((t) => t.seq), expected.map((t) => t.seq));
  assertEquals(heap.live, 0);
});

test("TimerHeap compacts when cancelled timers outnumber live ones", () => {
  const heap = new TimerHeap();
  const timers: TimerHandler[] = [];
  for (let i = 0; i < 1000; i++) {
    const t = new TimerHandler(i % 97, i, () => {}, [], () => heap.noteCancelled());
    timers.push(t);
    heap.push(t);
  }
  for (let i = 0; i < 900; i++) timers[i].cancel();
  assertEquals(heap.live, 100);
  assert(heap.all().length < 1000, "the heap was rebuilt");
  // Order by (when, seq) survives the rebuild.
  let last = -1;
  let lastSeq = -1;
  for (let t = heap.pop(); t !== undefined; t = heap.pop()) {
    assert(t.when > last || (t.when === last && t.seq > lastSeq));
    last = t.when;
    lastSeq = t.seq;
  }
});

test("TimerHeap.clear() drops every timer and the heap works again after it", () => {
  const heap = new TimerHeap();
  const make = (when: number, seq: number) =>
    new TimerHandler(when, seq, () => {}, [], () => heap.noteCancelled());
  for (let i = 0; i < 300; i++) heap.push(make(300 - i, i));
  heap.clear();
  assertEquals([heap.live, heap.all().length, heap.pop()], [0, 0, undefined]);
  // Refilled past its first capacity, it still pops in (when, seq) order.
  for (let i = 0; i < 200; i++) heap.push(make(i % 5, 1000 + i));
  const got: number[] = [];
  for (let t = heap.pop(); t !== undefined; t = heap.pop()) got.push(t.when * 10_000 + t.seq);
  assertEquals(got, [...got].sort((a, b) => a - b));
  assertEquals(got.length, 200);
});
