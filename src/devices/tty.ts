/**
 * The typed wrapper over the shim's `el_tty_*` functions: plain numbers
 * and settings objects in, `SystemError`s out. Every termios and ioctl
 * call is made in C (csrc/tty.c), so nothing here knows a struct layout.
 *
 * @module
 */
import { lib } from "../../ffi/load.ts";
import { Errno, SystemError } from "../sys/errors.ts";

/** Parity as `el_tty_configure` takes it (EL_TTY_PARITY_* in evloop.h). */
export const TtyParity: Readonly<Record<Parity, number>> = {
  none: 0,
  even: 1,
  odd: 2,
  mark: 3,
  space: 4,
};

/** Stop bits as `el_tty_configure` takes them (EL_TTY_STOP_*). */
export const TtyStop = { ONE: 1, TWO: 2, ONE_AND_HALF: 3 } as const;

/** `el_tty_configure` flags (EL_TTY_RTSCTS...). */
export const TtyFlag = { RTSCTS: 0x01, XON: 0x02, XOFF: 0x04, XANY: 0x08, HUPCL: 0x10 } as const;

/** Modem line bits (EL_TTY_DTR...). */
export const ModemLine = {
  DTR: 0x01,
  RTS: 0x02,
  CTS: 0x04,
  DSR: 0x08,
  DCD: 0x10,
  RI: 0x20,
  BRK: 0x40,
} as const;

/** The slots `el_tty_get_config` writes (EL_TTY_CONFIG_LEN). */
export const TTY_CONFIG_LEN = 6;

/** A parity name ("mark" and "space" need CMSPAR: Linux). */
export type Parity = "none" | "even" | "odd" | "mark" | "space";

/** The settings of a serial line. */
export interface LineSettings {
  /** Bits per second: any positive integer. */
  baudRate: number;
  /** Data bits per character. */
  dataBits: 5 | 6 | 7 | 8;
  /** Stop bits; 1.5 is set as 2 (termios has one bit), and read back as 2. */
  stopBits: 1 | 1.5 | 2;
  /** Parity. */
  parity: Parity;
  /** RTS/CTS hardware flow control. */
  rtscts: boolean;
  /** XON/XOFF flow control of output (IXON). */
  xon: boolean;
  /** XON/XOFF flow control of input (IXOFF). */
  xoff: boolean;
  /** Any byte restarts stopped output (IXANY). */
  xany: boolean;
  /** Drop DTR and RTS at the last close (HUPCL). */
  hupcl: boolean;
}

/** What `ttyReadSettings` reads back: the line, and whether it is raw. */
export interface ReadSettings extends LineSettings {
  /** No echo, no line editing, no signals, no output processing. */
  raw: boolean;
}

const encoder = new TextEncoder();
const config = new Int32Array(TTY_CONFIG_LEN);

/** What ENOTTY means from the modem ioctls: the terminal has no such lines. */
const NO_MODEM_LINES = "the device has no modem lines (a pseudo-terminal has none)";

/** The error for a failed tty call, with plain words for the usual errnos. */
export function ttyError(
  errno: number,
  syscall: string,
  action: string,
  notTty = "it is not a terminal",
): SystemError {
  const detail = errno === Errno.ENOTTY
    ? notTty
    : errno === Errno.EBUSY
    ? "it is locked by another open file (opened with lock: true, or by another program)"
    : undefined;
  return new SystemError(errno, syscall, action, detail);
}

function must(result: number, syscall: string, action: string, notTty?: string): number {
  if (result < 0) throw ttyError(-result, syscall, action, notTty);
  return result;
}

/** Opens `path` as a serial port (non-blocking, no controlling tty, cloexec). */
export function ttyOpen(path: string, action: string): number {
  return must(lib.el_tty_open(encoder.encode(`${path}\0`)), "open", action);
}

/** Raw mode and the line settings. */
export function ttyConfigure(fd: number, s: LineSettings, action: string): void {
  const stop = s.stopBits === 1
    ? TtyStop.ONE
    : s.stopBits === 2
    ? TtyStop.TWO
    : TtyStop.ONE_AND_HALF;
  const flags = (s.rtscts ? TtyFlag.RTSCTS : 0) | (s.xon ? TtyFlag.XON : 0) |
    (s.xoff ? TtyFlag.XOFF : 0) | (s.xany ? TtyFlag.XANY : 0) | (s.hupcl ? TtyFlag.HUPCL : 0);
  must(
    lib.el_tty_configure(fd, s.baudRate, s.dataBits, stop, TtyParity[s.parity], flags),
    "tcsetattr",
    action,
  );
}

/** The line as the terminal has it now (tcgetattr, termios2 for the rate). */
export function ttyReadSettings(fd: number, action: string): ReadSettings {
  must(lib.el_tty_get_config(fd, config), "tcgetattr", action);
  const parity = (Object.keys(TtyParity) as Parity[]).find((p) => TtyParity[p] === config[3])!;
  return {
    baudRate: config[0],
    dataBits: config[1] as 5 | 6 | 7 | 8,
    stopBits: config[2] === TtyStop.ONE ? 1 : 2,
    parity,
    rtscts: (config[4] & TtyFlag.RTSCTS) !== 0,
    xon: (config[4] & TtyFlag.XON) !== 0,
    xoff: (config[4] & TtyFlag.XOFF) !== 0,
    xany: (config[4] & TtyFlag.XANY) !== 0,
    hupcl: (config[4] & TtyFlag.HUPCL) !== 0,
    raw: config[5] === 1,
  };
}

/** The baud rate now. */
export function ttyBaudRate(fd: number, action: string): number {
  return must(lib.el_tty_get_baud(fd), "ioctl TCGETS2", action);
}

/** The modem lines as ModemLine bits (TIOCMGET). */
export function ttyModemGet(fd: number, action: string): number {
  return must(lib.el_tty_modem_get(fd), "ioctl TIOCMGET", action, NO_MODEM_LINES);
}

/** Sets the lines in `mask` (DTR, RTS, BRK) to their bit in `values`. */
export function ttyModemSet(fd: number, mask: number, values: number, action: string): void {
  must(lib.el_tty_modem_set(fd, mask, values), "ioctl TIOCMBIS", action, NO_MODEM_LINES);
}

/** tcflush(TCIOFLUSH). */
export function ttyFlush(fd: number, action: string): void {
  must(lib.el_tty_flush(fd), "tcflush", action);
}

/** Bytes queued for output (TIOCOUTQ). */
export function ttyOutq(fd: number, action: string): number {
  return must(lib.el_tty_outq(fd), "ioctl TIOCOUTQ", action);
}

/** Takes (flock + TIOCEXCL) or lets go of the port. */
export function ttyLock(fd: number, on: boolean, action: string): void {
  must(lib.el_tty_lock(fd, on ? 1 : 0), on ? "flock" : "ioctl TIOCNXCL", action);
}

/**
 * Sets ASYNC_LOW_LATENCY; returns false where the driver has no such
 * setting or refuses it (a pty: ENOTTY; CDC-ACM: EINVAL; off Linux:
 * ENOTSUP, whose number differs between OSes). Only a closed fd throws.
 */
export function ttyLowLatency(fd: number, on: boolean, action: string): boolean {
  const r = lib.el_tty_low_latency(fd, on ? 1 : 0);
  if (r === -Errno.EBADF) must(r, "ioctl TIOCSSERIAL", action);
  return r === 0;
}
