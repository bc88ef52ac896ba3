/**
 * Opens a pseudo-terminal through libc (posix_openpt), for tests of
 * streams over a pty, the way a serial port behaves.
 *
 * @module
 */
import { NativeLibrary } from "@evloop/evloop";

const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

/** A pty pair: the master (the program's side) and the slave (the device). */
export function openPty(): { master: number; slave: number } {
  using libc = NativeLibrary.open("libc.so.6", {
    posix_openpt: { parameters: ["i32"], result: "i32", errno: true },
    grantpt: { parameters: ["i32"], result: "i32" },
    unlockpt: { parameters: ["i32"], result: "i32" },
    ptsname_r: { parameters: ["i32", "buffer", "usize"], result: "i32" },
    open: { parameters: ["cstring", "i32"], result: "i32", errno: true },
  });
  const { symbols } = libc;
  const master = symbols.posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (master < 0) throw new Error(`posix_openpt failed (errno ${libc.errno})`);
  if (symbols.grantpt(master) !== 0 || symbols.unlockpt(master) !== 0) {
    throw new Error("grantpt/unlockpt failed");
  }
  const name = new Uint8Array(128);
  if (symbols.ptsname_r(master, name, name.length) !== 0) throw new Error("ptsname_r failed");
  const path = new TextDecoder().decode(name.subarray(0, name.indexOf(0)));
  const slave = symbols.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (slave < 0) throw new Error(`open ${path} failed (errno ${libc.errno})`);
  return { master, slave };
}
