// An eventfd signalled by native C threads (tests/c/eventfd_producer.c,
// built by `npm run build` next to the shim): the way a C library reports
// work done on its own threads. Counter mode sums every value written;
// semaphore mode hands them out one at a time.
//   deno run --allow-ffi examples/eventfd_thread.ts   |   bun examples/eventfd_thread.ts
import { EventLoop, type EventLoopOptions, fd, NativeLibrary } from "../mod.ts";

const EFD_SEMAPHORE = 0o1;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

/** What one run saw. */
export interface EventfdReport {
  mode: "counter" | "semaphore";
  /** The exact total the threads added. */
  expected: number;
  /** The sum of every value read. */
  total: number;
  /** Reads that returned a value. */
  reads: number;
  /** Times a producer found the counter full and waited (semaphore mode). */
  producerWaits: number;
}

/** The native producer library CMake builds beside the shim. */
export function producerPath(): string {
  const url = new URL("../build/libevloop_eventfd_producer.so", import.meta.url);
  return decodeURIComponent(url.pathname);
}

/**
 * Starts `threads` C threads that each add 1..perThread to an eventfd, and
 * reads it from an EventLoop until the whole sum has arrived.
 */
export async function runEventfd(
  mode: "counter" | "semaphore",
  threads: number,
  perThread: number,
  options: { mode?: EventLoopOptions["mode"] } = {},
): Promise<EventfdReport> {
  using libc = NativeLibrary.open("libc.so.6", {
    eventfd: { parameters: ["u32", "i32"], result: "i32", errno: true },
  });
  using producer = NativeLibrary.open(producerPath(), {
    efp_start: { parameters: ["i32", "i32", "i32"], result: "i32" },
    efp_join: { parameters: [], result: "i32" },
  });
  const flags = EFD_NONBLOCK | EFD_CLOEXEC | (mode === "semaphore" ? EFD_SEMAPHORE : 0);
  const efd = libc.symbols.eventfd(0, flags);
  if (efd < 0) throw new Error(`eventfd failed: errno ${libc.errno}`);

  const expected = threads * perThread * (perThread + 1) / 2;
  const value = new BigUint64Array(1);
  const bytes = new Uint8Array(value.buffer);
  let total = 0;
  let reads = 0;
  using loop = new EventLoop({ mode: options.mode });
  loop.addReader(efd, () => {
    // Drain what is there now; null (EAGAIN) means the counter is zero.
    for (let i = 0; i < 1024; i++) {
      const n = fd.read(efd, bytes);
      if (n === null) return;
      if (n !== 8) throw new Error(`eventfd read gave ${n} bytes`);
      total += Number(value[0]);
      reads++;
      if (mode === "semaphore" && value[0] !== 1n) {
        throw new Error(`semaphore read gave ${value[0]}, not 1`);
      }
      if (total >= expected) {
        loop.removeReader(efd);
        return;
      }
    }
  });
  const started = producer.symbols.efp_start(efd, threads, perThread);
  if (started < 0) throw new Error(`efp_start failed: ${started}`);
  await loop.run(); // ends once the reader is removed
  const waits = producer.symbols.efp_join();
  fd.close(efd);
  if (waits < 0) throw new Error(`a producer thread failed: ${waits}`);
  if (total !== expected) throw new Error(`expected a sum of ${expected}, read ${total}`);
  return { mode, expected, total, reads, producerWaits: waits };
}

if (import.meta.main) {
  for (
    const report of [await runEventfd("counter", 4, 50_000), await runEventfd("semaphore", 2, 100)]
  ) {
    console.log(
      `${report.mode}: ${report.reads} reads summed to ${report.total} ` +
        `(expected ${report.expected}); producers waited ${report.producerWaits} times`,
    );
  }
}
