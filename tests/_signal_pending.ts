/**
 * Whether a signal sent to this process still waits for a thread to take
 * it: for tests that stop listening to a signal they had sent in a storm.
 * A signal taken by a thread runs the handler installed at that moment;
 * one still waiting when the last listener goes meets the previous action
 * (for a real-time signal, the default ends the process).
 *
 * @module
 */
import { readFileSync } from "node:fs";

/**
 * Whether `signo` waits in this process's queue, taken by no thread yet
 * (proc(5), `ShdPnd`: signals sent to the process, not to one thread);
 * false where there is no /proc.
 */
export function pendingInProcess(signo: number): boolean {
  let status: string;
  try {
    status = readFileSync("/proc/self/status", "utf8");
  } catch {
    return false;
  }
  const mask = /^ShdPnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return mask !== undefined && ((BigInt(`0x${mask}`) >> BigInt(signo - 1)) & 1n) === 1n;
}

/**
 * Resolves once no `signo` waits for a thread. The kernel offers no event
 * for it, so it looks again each millisecond (a thread that was picked may
 * be waiting for a CPU on a loaded machine), for `ms` at most.
 */
export async function untilTaken(signo: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (pendingInProcess(signo)) {
    if (Date.now() > end) throw new Error(`Signal ${signo} still pending after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
