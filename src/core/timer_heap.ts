/**
 * A 4-ary min-heap of timers ordered by (when, seq), with lazy
 * cancellation: a cancelled timer stays until it surfaces, and the heap is
 * rebuilt when cancelled ones outnumber the live (Tornado's rule).
 *
 * The keys live in two Float64Arrays beside the array of timers: sifting
 * compares contiguous numbers instead of loading a timer object per
 * comparison. With a million timers those loads were cache misses, and
 * two thirds of the time of firing them (bench: timers case).
 *
 * @module
 */
import type { TimerHandler } from "./handler.ts";

/** The loop's timers. */
export class TimerHeap {
  // Born holding objects (not an empty literal, which V8 makes an array
  // of small integers): a new loop's heap then has the elements kind its
  // optimized code expects, instead of deoptimizing at the first push.
  #items: (TimerHandler | undefined)[] = new Array<TimerHandler | undefined>(64).fill(undefined);
  #when = new Float64Array(64);
  #seq = new Float64Array(64);
  #size = 0;
  #cancelled = 0;

  /** Timers not cancelled. */
  get live(): number {
    return this.#size - this.#cancelled;
  }

  /** Adds a timer. */
  push(timer: TimerHandler): void {
    if (this.#size === this.#when.length) this.#grow();
    const items = this.#items;
    const when = this.#when;
    const seq = this.#seq;
    const w = timer.when;
    const s = timer.seq;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pw = when[parent];
      if (w > pw || (w === pw && s > seq[parent])) break;
      items[i] = items[parent];
      when[i] = pw;
      seq[i] = seq[parent];
      i = parent;
    }
    items[i] = timer;
    when[i] = w;
    seq[i] = s;
  }

  /** Counts a cancellation; compacts when over half the heap is dead. */
  noteCancelled(): void {
    this.#cancelled++;
    if (this.#cancelled > 64 && this.#cancelled * 2 > this.#size) {
      this.#compact();
    }
  }

  /** The earliest live timer, dropping cancelled ones on top. */
  peek(): TimerHandler | undefined {
    const items = this.#items;
    while (this.#size > 0 && items[0]!.cancelled) {
      this.#popTop();
      this.#cancelled--;
    }
    return this.#size > 0 ? items[0] : undefined;
  }

  /** Removes and returns the earliest live timer. */
  pop(): TimerHandler | undefined {
    const top = this.peek();
    if (top !== undefined) this.#popTop();
    return top;
  }

  /** Drops every timer. */
  clear(): void {
    // The arrays stay: replacing them (a field store after construction)
    // made V8 throw away the optimized code of every heap method, which
    // the next loop of the process then ran cold (bench: lateness).
    this.#items.length = 0;
    this.#size = 0;
    this.#cancelled = 0;
  }

  /** Every timer still held (live or not), in no order. */
  all(): readonly TimerHandler[] {
    return this.#items.slice(0, this.#size) as TimerHandler[];
  }

  #grow(): void {
    const when = new Float64Array(this.#when.length * 2);
    const seq = new Float64Array(this.#seq.length * 2);
    when.set(this.#when);
    seq.set(this.#seq);
    this.#when = when;
    this.#seq = seq;
  }

  #popTop(): void {
    const last = --this.#size;
    const items = this.#items;
    const item = items[last]!;
    items[last] = undefined;
    if (last > 0) this.#siftDown(0, item, this.#when[last], this.#seq[last]);
  }

  /** Places (item, w, s) at the hole `i`, moving smaller children up. */
  #siftDown(i: number, item: TimerHandler, w: number, s: number): void {
    const items = this.#items;
    const when = this.#when;
    const seq = this.#seq;
    const n = this.#size;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      // The smallest of up to four children, which sit side by side.
      let child = first;
      let cw = when[first];
      let cs = seq[first];
      const end = first + 4 < n ? first + 4 : n;
      for (let j = first + 1; j < end; j++) {
        const jw = when[j];
        if (jw < cw || (jw === cw && seq[j] < cs)) {
          child = j;
          cw = jw;
          cs = seq[j];
        }
      }
      if (w < cw || (w === cw && s < cs)) break;
      items[i] = items[child];
      when[i] = cw;
      seq[i] = cs;
      i = child;
    }
    items[i] = item;
    when[i] = w;
    seq[i] = s;
  }

  /** Drops the cancelled timers and re-heapifies in place, in O(n). */
  #compact(): void {
    const items = this.#items;
    const when = this.#when;
    const seq = this.#seq;
    let k = 0;
    for (let i = 0; i < this.#size; i++) {
      const t = items[i]!;
      if (t.cancelled) continue;
      items[k] = t;
      when[k] = when[i];
      seq[k] = seq[i];
      k++;
    }
    for (let i = k; i < this.#size; i++) items[i] = undefined;
    this.#size = k;
    this.#cancelled = 0;
    // Floyd's bottom-up heap construction.
    for (let i = (k - 2) >> 2; i >= 0; i--) this.#siftDown(i, items[i]!, when[i], seq[i]);
  }
}
