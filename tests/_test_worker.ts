/**
 * A Worker running tests/_cross_thread_worker.ts, with awaitable replies
 * (shared by the cross-thread tests of both APIs).
 *
 * @module
 */
import { assert } from "@std/assert";
import { within } from "./_harness.ts";
import type { Job } from "./_cross_thread_worker.ts";

const WORKER_URL = new URL("./_cross_thread_worker.ts", import.meta.url).href;

/** What the Worker sends back. */
export interface Reply {
  ok?: boolean;
  ready?: boolean;
  refused?: number;
  name?: string;
  error?: string;
}

/** A Worker running tests/_cross_thread_worker.ts, with awaitable replies. */
export class TestWorker {
  #worker: Worker;
  #replies: Reply[] = [];
  #waiting: ((reply: Reply) => void)[] = [];

  constructor() {
    this.#worker = new Worker(WORKER_URL, { type: "module" });
    this.#worker.onmessage = (e: MessageEvent) => {
      const waiter = this.#waiting.shift();
      if (waiter !== undefined) waiter(e.data);
      else this.#replies.push(e.data);
    };
  }

  /** The next message the Worker sends. */
  next(): Promise<Reply> {
    const reply = this.#replies.shift();
    if (reply !== undefined) return Promise.resolve(reply);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  static async start(): Promise<TestWorker> {
    const w = new TestWorker();
    assert((await within(w.next(), 30_000, "the Worker to load")).ready);
    return w;
  }

  send(job: Job): void {
    this.#worker.postMessage(job);
  }

  terminate(): void {
    this.#worker.terminate();
  }
}
