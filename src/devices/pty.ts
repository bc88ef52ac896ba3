/**
 * `openPty()`: a pseudo-terminal, the serial device every test and example
 * can have without hardware.
 *
 * @module
 */
import { lib } from "../../ffi/load.ts";
import { SystemError } from "../sys/errors.ts";

/** A pseudo-terminal: the master fd (the "device" side) and the slave's path. */
export interface Pty {
  /** The master's fd, non-blocking and close-on-exec; close it with `fd.close`. */
  readonly master: number;
  /** The slave's path ("/dev/pts/3"): open it with `openSerial` as a serial port. */
  readonly path: string;
}

const pathBuffer = new Uint8Array(256);

/**
 * Opens a pseudo-terminal (posix_openpt, grantpt, unlockpt). What is
 * written to the master is read from the slave and the other way round;
 * closing the master hangs the slave up. `openSerial(path)` puts the
 * slave in raw mode. A pty has no modem lines and no real line speed:
 * it takes any baud rate and sends at memory speed.
 *
 * @example
 * ```ts
 * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
 * import { assertEquals } from "@std/assert";
 *
 * const pty = openPty();
 * await using port = openSerial(pty.path, { baudRate: 115200 });
 * fd.write(pty.master, new TextEncoder().encode("hi"));
 * const buf = new Uint8Array(8);
 * const n = await port.read(buf, 0, buf.length);
 * assertEquals(new TextDecoder().decode(buf.subarray(0, n)), "hi");
 * fd.close(pty.master);
 * ```
 *
 * @returns The master fd and the slave's path.
 * @throws {SystemError} If the system has no pseudo-terminal left (EAGAIN,
 * ENOSPC) or none at all (ENOENT).
 */
export function openPty(): Pty {
  const master = lib.el_tty_openpt(pathBuffer, pathBuffer.length);
  if (master < 0) throw new SystemError(-master, "posix_openpt", "Cannot open a pseudo-terminal");
  const path = new TextDecoder().decode(pathBuffer.subarray(0, pathBuffer.indexOf(0)));
  return { master, path };
}
