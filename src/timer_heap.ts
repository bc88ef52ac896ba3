/**
 * A binary min-heap of timers ordered by (when, seq), with lazy
 * cancellation: a cancelled timer stays until it surfaces, and the heap is
 * rebuilt when cancelled ones outnumber the live (Tornado's rule).
 *
 * @module
 */
import type { TimerHandler } from "./handler.ts";

function before(a: TimerHandler, b: TimerHandler): boolean {
  return a.when < b.when || (a.when === b.when && a.seq < b.seq);
}

/** The loop's timers. */
export class TimerHeap {
  #items: TimerHandler[] = [];
  #cancelled = 0;

  /** Timers not cancelled. */
  get live(): number {
    return this.#items.length - this.#cancelled;
  }

  /** Adds a timer. */
  push(timer: TimerHandler): void {
    const items = this.#items;
    let i = items.length;
    items.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = timer;
  }

  /** Counts a cancellation; compacts when over half the heap is dead. */
  noteCancelled(): void {
    this.#cancelled++;
    if (this.#cancelled > 64 && this.#cancelled * 2 > this.#items.length) {
      this.#compact();
    }
  }

  /** The earliest live timer, dropping cancelled ones on top. */
  peek(): TimerHandler | undefined {
    const items = this.#items;
    while (items.length > 0 && items[0].cancelled) {
      this.#popTop();
      this.#cancelled--;
    }
    return items[0];
  }

  /** Removes and returns the earliest live timer. */
  pop(): TimerHandler | undefined {
    const top = this.peek();
    if (top !== undefined) this.#popTop();
    return top;
  }

  /** Drops every timer. */
  clear(): void {
    this.#items = [];
    this.#cancelled = 0;
  }

  /** Every timer still held (live or not), in no order. */
  all(): readonly TimerHandler[] {
    return this.#items;
  }

  #popTop(): void {
    const items = this.#items;
    const last = items.pop()!;
    if (items.length === 0) return;
    const n = items.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(items[right], items[left]) ? right : left;
      if (!before(items[child], last)) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = last;
  }

  #compact(): void {
    const live = this.#items.filter((t) => !t.cancelled);
    this.#items = [];
    this.#cancelled = 0;
    // Sorting an array makes it a valid heap in one pass.
    live.sort((a, b) => a.when - b.when || a.seq - b.seq);
    this.#items = live;
  }
}
