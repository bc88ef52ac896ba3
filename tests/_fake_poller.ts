/**
 * A poller with virtual time and scripted readiness, to test loop logic
 * without sleeping (asyncio's TestSelector). Time moves only when a wait
 * has nothing to report (it jumps by the timeout), or by `advance()`.
 *
 * @module
 */
import { type Poller, Wake } from "../src/core/poller.ts";
import { IOEvents } from "../src/core/io_events.ts";

const ENOENT = -2;

/** A fake poller over virtual time. */
export class FakePoller implements Poller {
  #now: number;
  /** Registered interest per fd. */
  readonly interest: Map<number, number> = new Map();
  /** Current readiness per fd (level-triggered), set by the test. */
  readonly levels: Map<number, number> = new Map();
  #woken = false;
  /** Every timeout passed to wait(), for assertions. */
  readonly timeouts: number[] = [];

  /** @param start The virtual clock's start, in ms. */
  constructor(start = 1000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves virtual time forward (a callback "taking" ms). */
  advance(ms: number): void {
    this.#now += ms;
  }

  /** Fds the test closed "behind the loop's back": CHECK says stale. */
  readonly stale: Set<number> = new Set();

  ctl(op: number, fd: number, events: number): number {
    // Like the shim: ADD/MOD never go stale (EEXIST/ENOENT are retried).
    if (op === 1 || op === 2) {
      this.interest.set(fd, events);
      this.stale.delete(fd);
    } else if (op === 3) {
      if (!this.interest.delete(fd)) return ENOENT;
    } else {
      return this.interest.has(fd) && !this.stale.has(fd) ? 1 : 0;
    }
    return 0;
  }

  #collect(out: Int32Array): number {
    let n = 0;
    for (const [fd, want] of this.interest) {
      const got = (this.levels.get(fd) ?? 0) & (want | IOEvents.ERR | IOEvents.HUP);
      if (got !== 0 && 2 * n + 1 < out.length) {
        out[2 * n] = fd;
        out[2 * n + 1] = got;
        n++;
      }
    }
    if (this.#woken) {
      this.#woken = false;
      out[2 * n] = -1;
      out[2 * n + 1] = Wake.WAKE;
      n++;
    }
    return n;
  }

  wait(out: Int32Array, timeoutMs: number): number {
    this.timeouts.push(timeoutMs);
    const n = this.#collect(out);
    if (n > 0 || timeoutMs === 0) return n;
    if (timeoutMs < 0) throw new Error("FakePoller: the loop would block for ever");
    this.#now += timeoutMs;
    return 0;
  }

  park(timeoutMs: number, onReady: (result: number) => void): void {
    this.timeouts.push(timeoutMs);
    queueMicrotask(() => {
      if (timeoutMs > 0 && !this.#woken && this.#collect(new Int32Array(512)) === 0) {
        this.#now += timeoutMs;
      }
      onReady(0);
    });
  }

  wake(): void {
    this.#woken = true;
  }

  close(): void {}
}
