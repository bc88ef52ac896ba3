/**
 * The loop devices run on when the program gives none: one `IOLoop` per
 * thread, started while at least one device holds it and closed when the
 * last lets go, so a program with no port open can exit (and leaves no
 * loop behind).
 *
 * @module
 */
import { IOLoop } from "../api/ioloop.ts";

let loop: IOLoop | null = null;
let holds = 0;

/**
 * This thread's device loop: the one a port opened without `loop` waits
 * on. It runs while a port holds it (`holdDeviceLoop`); a new one is made
 * after the last hold let the previous one go.
 *
 * @example
 * ```ts
 * import { deviceLoop } from "@evloop/evloop/serial";
 * import { assert } from "@std/assert";
 *
 * const loop = deviceLoop();
 * assert(deviceLoop() === loop && !loop.running());
 * loop.close(); // unheld: nothing else closes it
 * ```
 */
export function deviceLoop(): IOLoop {
  // Closed by its user (it was never held): make another.
  if (loop !== null && (loop._core.closed || loop._core.closing)) loop = null;
  loop ??= new IOLoop();
  return loop;
}

/**
 * Holds the device loop: starts it if it is not running and returns the
 * release function (idempotent). When the last hold is released the loop
 * stops and closes.
 *
 * @example
 * ```ts
 * import { holdDeviceLoop } from "@evloop/evloop/serial";
 *
 * const release = holdDeviceLoop();
 * release(); // the loop stops and closes
 * ```
 */
export function holdDeviceLoop(): () => void {
  const held = deviceLoop();
  holds++;
  if (!held.running()) {
    held.start().catch((error) => {
      console.error("evloop: the device loop failed:", error);
    });
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holds > 0) return;
    if (loop === held) loop = null;
    held.close();
  };
}
