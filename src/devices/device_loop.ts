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
/** The device loop's run, settled once it stopped and closed. */
let running: Promise<void> = Promise.resolve();

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
 * stops and closes; the promise the release returns settles then (at once
 * while other holds remain), so that nothing of the loop is left open.
 *
 * @example
 * ```ts
 * import { holdDeviceLoop } from "@evloop/evloop/serial";
 *
 * const release = holdDeviceLoop();
 * await release(); // the loop stopped and closed
 * ```
 */
export function holdDeviceLoop(): () => Promise<void> {
  const held = deviceLoop();
  holds++;
  if (!held.running()) {
    running = held.start().catch((error) => {
      console.error("evloop: the device loop failed:", error);
    });
  }
  const run = running;
  let released = false;
  return () => {
    if (released || --holds > 0) {
      released = true;
      return Promise.resolve();
    }
    released = true;
    if (loop === held) loop = null;
    held.close();
    return run;
  };
}
