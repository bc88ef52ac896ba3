/**
 * Runs a test body over each API (`EventLoop`, `IOLoop`) in each mode: the
 * modern surface (watch, readable, sleep, signals, streams) is the same
 * on both.
 *
 * @module
 */
import { EventLoop, IOLoop, type Mode } from "@evloop/evloop";
import type { LoopCore } from "../src/core/loop_core.ts";

/** The modern surface, the same on both APIs. */
export type ModernLoop = Pick<
  EventLoop,
  "watch" | "readable" | "writable" | "sleep" | "abortAfter" | "signals" | "streams"
>;

/** A loop under test, whichever its API. */
export interface Subject {
  /** "EventLoop, hosted". */
  readonly label: string;
  /** The loop, through the modern methods both APIs share. */
  readonly loop: ModernLoop;
  /** The loop as made. */
  readonly raw: EventLoop | IOLoop;
  /** Its core, to check that nothing is left registered. */
  readonly core: LoopCore;
  /**
   * Runs the loop until `work()` (started once the loop runs) settles,
   * stops it and returns work's result (or throws its error).
   */
  during<T>(work: () => Promise<T>): Promise<T>;
  /** Destroys / closes the loop. */
  close(): void;
}

/** The API and mode pairs. */
export const SUBJECTS: readonly [api: "EventLoop" | "IOLoop", mode: Mode][] = [
  ["EventLoop", "hosted"],
  ["EventLoop", "exclusive"],
  ["IOLoop", "hosted"],
  ["IOLoop", "exclusive"],
];

/** Makes a loop of `api` in `mode`. */
export function subject(api: "EventLoop" | "IOLoop", mode: Mode): Subject {
  const loop = api === "EventLoop" ? new EventLoop({ mode }) : new IOLoop({ mode });
  return {
    label: `${api}, ${mode}`,
    loop,
    raw: loop,
    core: loop._core,
    async during<T>(work: () => Promise<T>): Promise<T> {
      const running = loop instanceof EventLoop ? loop.runForever() : loop.start();
      const [result] = await Promise.allSettled([work()]);
      loop.stop();
      await running;
      if (result.status === "rejected") throw result.reason;
      return result.value;
    },
    close() {
      if (loop instanceof EventLoop) {
        if (!loop.destroyed) loop.destroy();
      } else {
        loop.close();
      }
    },
  };
}

/** Declares `body` once per API and mode: `name` gets " (API, mode)". */
export function eachLoop(
  test: (name: string, fn: () => Promise<void>) => void,
  name: string,
  body: (s: Subject) => void | Promise<void>,
): void {
  for (const [api, mode] of SUBJECTS) {
    test(`${name} (${api}, ${mode})`, async () => {
      const s = subject(api, mode);
      try {
        await body(s);
      } finally {
        s.close();
      }
    });
  }
}

/** Asserts that the loop holds no watch, timer or ready callback. */
export function assertIdle(s: Subject, what = ""): void {
  const { watchCount, timerCount } = s.core;
  if (watchCount !== 0 || timerCount !== 0) {
    throw new Error(
      `${s.label}${what && `, ${what}`}: left ${watchCount} watches and ${timerCount} timers`,
    );
  }
}
