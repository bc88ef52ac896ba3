/**
 * A pseudo-terminal for tests of streams over a pty, the way a serial
 * port behaves: the master from `openPty()`, the slave opened as a serial
 * port opens (non-blocking, no controlling tty) but left in the line
 * discipline's default mode, with no SerialPort around it.
 *
 * @module
 */
import { openPty as openPseudoTerminal } from "../serial.ts";
import { ttyOpen } from "../src/devices/tty.ts";

/** A pty pair: the master (the program's side) and the slave (the device). */
export function openPty(): { master: number; slave: number } {
  const { master, path } = openPseudoTerminal();
  return { master, slave: ttyOpen(path, `Cannot open ${path}`) };
}
