/**
 * Signal names and numbers, and why a signal cannot be handled: what the
 * APIs check a signal with before anything is registered.
 *
 * @module
 */
import { lib, shimString } from "../../ffi/load.ts";
import { describe } from "../sys/validate.ts";

/** Why the shim refuses a signal (`el_signal_refusal`). */
export const Refusal = {
  OK: 0,
  UNCATCHABLE: 1,
  FAULT: 2,
  PIPE: 3,
  LIBC: 4,
  RUNTIME: 5,
} as const;

/** The largest signal number (64 on Linux). */
const MAX_SIGNAL: number = lib.el_signal_max();

const nameOf: (string | undefined)[] = [];
const byName = new Map<string, number>();
for (let signo = 1; signo <= MAX_SIGNAL; signo++) {
  const name = shimString((buf, len) => lib.el_signal_name(signo, buf, len));
  if (name === undefined || name.length === 0) continue;
  nameOf[signo] = name;
  byName.set(name, signo);
}

/**
 * The signal's name ("SIGUSR2"), or "signal 32" when it has none.
 *
 * @example Names as the C library spells them
 * ```ts
 * import { signalName } from "./names.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(signalName(15), "SIGTERM");
 * ```
 */
export function signalName(signo: number): string {
  return nameOf[signo] ?? `signal ${signo}`;
}

/**
 * Turns a signal number or name into its number.
 *
 * @example Names and numbers
 * ```ts
 * import { signalNumber } from "./names.ts";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * assertEquals(signalNumber("SIGINT", "Cannot add signal handler"), 2);
 * assertThrows(() => signalNumber("SIGFOO", "Cannot add signal handler"), RangeError);
 * ```
 *
 * @param sig A number (1 to `MAX_SIGNAL`) or a name such as `"SIGUSR2"`.
 * @param action What failed, for the message: "Cannot add signal handler".
 * @throws {TypeError} If `sig` is neither a number nor a string.
 * @throws {RangeError} For a number out of range or an unknown name.
 */
export function signalNumber(sig: unknown, action: string): number {
  if (typeof sig === "number") {
    if (!Number.isInteger(sig) || sig < 1 || sig > MAX_SIGNAL) {
      throw new RangeError(`${action}: ${sig} is not a signal number (1 to ${MAX_SIGNAL})`);
    }
    return sig;
  }
  if (typeof sig === "string") {
    const signo = byName.get(sig);
    if (signo === undefined) {
      const meant = [sig.toUpperCase(), `SIG${sig.toUpperCase()}`].find((n) => byName.has(n));
      const hint = meant === undefined ? "" : ` (did you mean "${meant}"?)`;
      throw new RangeError(`${action}: unknown signal name "${sig}"${hint}`);
    }
    return signo;
  }
  throw new TypeError(
    `${action}: the signal must be a number or a name like "SIGUSR2", got ${describe(sig)}`,
  );
}

/** Why `signo` cannot be handled, or undefined when it can. */
export function refusalReason(signo: number): string | undefined {
  switch (lib.el_signal_refusal(signo)) {
    case Refusal.OK:
      return undefined;
    case Refusal.UNCATCHABLE:
      return `${signalName(signo)} cannot be caught`;
    case Refusal.FAULT:
      return "the runtime needs it (it reports a fault in the thread that caused it)";
    case Refusal.PIPE:
      return "the runtime needs it ignored (a write to a closed socket fails with EPIPE instead)";
    case Refusal.LIBC:
      return "the C library reserves it for its threads (NPTL)";
    case Refusal.RUNTIME:
      return "the runtime needs it (it had a handler when evloop loaded)";
    default:
      return "it is not a valid signal";
  }
}

/**
 * Turns `sig` into a signal number that can be handled.
 *
 * @example A refused signal
 * ```ts
 * import { catchableSignal } from "./names.ts";
 * import { assertThrows } from "@std/assert";
 *
 * assertThrows(
 *   () => catchableSignal("SIGKILL", "Cannot add signal handler"),
 *   Error,
 *   "Cannot add signal handler for SIGKILL: SIGKILL cannot be caught",
 * );
 * ```
 *
 * @param sig A number or a name.
 * @param action "Cannot add signal handler": the name is appended.
 * @throws {TypeError} If `sig` is neither a number nor a string.
 * @throws {RangeError} For a number out of range or an unknown name.
 * @throws {Error} For a signal evloop refuses, with the reason.
 */
export function catchableSignal(sig: unknown, action: string): number {
  const signo = signalNumber(sig, action);
  const reason = refusalReason(signo);
  if (reason !== undefined) {
    throw new Error(`${action} for ${signalName(signo)}: ${reason}`);
  }
  return signo;
}
