/**
 * A FIFO queue of fixed-size segments: push and shift without allocating
 * in the steady state (an array's shift() is O(n)), and without copying
 * as it grows. A ring that doubles moved every queued item at each
 * doubling: queuing a million callbacks copied two million slots and
 * spent an eighth of the time there (bench: callsoon, Bun's profile).
 * A drained segment is kept as the one spare, so a queue that fills and
 * empties each iteration allocates nothing.
 *
 * @module
 */

/** Items per segment: 16 KiB of slots, small enough to recycle. */
export const SEGMENT_SIZE = 2048;

/**
 * One segment: its slots, and the next segment toward the tail (itself
 * while it is the last: the field never holds null, whose change to a
 * segment made V8 drop the optimized code of push and shift).
 */
class Segment<T> {
  readonly items: (T | undefined)[] = new Array<T | undefined>(SEGMENT_SIZE).fill(undefined);
  next: Segment<T> = this;
}

function segment<T>(): Segment<T> {
  return new Segment<T>();
}

/** A growable FIFO queue. */
export class RingQueue<T> {
  #head: Segment<T> = segment();
  #tail: Segment<T> = this.#head;
  /** Next slot to shift in the head segment. */
  #headIndex = 0;
  /** Next free slot in the tail segment. */
  #tailIndex = 0;
  #length = 0;
  #spare: Segment<T> | null = null;

  /** Items queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends an item. */
  push(item: T): void {
    if (this.#tailIndex === SEGMENT_SIZE) {
      const next = this.#spare ?? segment<T>();
      this.#spare = null;
      next.next = next;
      this.#tail.next = next;
      this.#tail = next;
      this.#tailIndex = 0;
    }
    this.#tail.items[this.#tailIndex++] = item;
    this.#length++;
  }

  /** Removes and returns the oldest item (undefined when empty). */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    let head = this.#head;
    if (this.#headIndex === SEGMENT_SIZE) {
      // Drained: the next segment exists, since items remain.
      const drained = head;
      head = this.#head = drained.next;
      drained.next = drained;
      this.#spare = drained;
      this.#headIndex = 0;
    }
    const item = head.items[this.#headIndex];
    head.items[this.#headIndex++] = undefined;
    if (--this.#length === 0 && head === this.#tail) {
      // Empty: start the one segment over instead of walking on.
      this.#headIndex = this.#tailIndex = 0;
    }
    return item;
  }

  /** Drops every item. */
  clear(): void {
    this.#head = this.#tail = segment();
    this.#headIndex = this.#tailIndex = 0;
    this.#length = 0;
    this.#spare = null;
  }
}
