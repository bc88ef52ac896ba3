/**
 * `SerialOptions` and their checks: every value is validated before the
 * port is touched, and bad input gets a TypeError (wrong type) or a
 * RangeError (right type, value out of range) whose message names the
 * option and the value.
 *
 * @module
 */
import { LoopSurface } from "../api/loop_surface.ts";
import { describe } from "../sys/validate.ts";
import { type LineSettings, type Parity, TtyParity } from "./tty.ts";

/** How to open a serial port (`openSerial`). */
export interface SerialOptions {
  /** Bits per second: any positive integer (a pty takes any rate). */
  baudRate: number;
  /** Data bits per character. @default {8} */
  dataBits?: 5 | 6 | 7 | 8;
  /**
   * Stop bits. termios has one bit for them: 1.5 is set as 2, which a
   * UART sends as 1.5 with 5 data bits; it reads back as 2. @default {1}
   */
  stopBits?: 1 | 1.5 | 2;
  /** Parity ("mark" and "space" need CMSPAR: Linux). @default {"none"} */
  parity?: Parity;
  /** RTS/CTS hardware flow control. @default {false} */
  rtscts?: boolean;
  /** XON/XOFF flow control of output (IXON). @default {false} */
  xon?: boolean;
  /** XON/XOFF flow control of input (IXOFF). @default {false} */
  xoff?: boolean;
  /** Any byte restarts stopped output (IXANY). @default {false} */
  xany?: boolean;
  /** Drop DTR and RTS when the port is closed (HUPCL). @default {true} */
  hupcl?: boolean;
  /**
   * Take the port exclusively (flock and TIOCEXCL, as serialport does): a
   * second open with `lock` is refused with EBUSY. @default {true}
   */
  lock?: boolean;
  /**
   * The loop the port's reads, writes and drain wait on; you run it. By
   * default the device loop (`deviceLoop()`), which runs while a port is
   * open. @default {deviceLoop()}
   */
  loop?: LoopSurface;
}

/** What `SerialPort.configure()` takes: the line settings, each optional. */
export type SerialSettings = Partial<Omit<SerialOptions, "lock" | "loop">>;

/** The allowed parities, for messages and checks. */
export const PARITIES: readonly Parity[] = Object.keys(TtyParity) as Parity[];

/** The line settings of a port opened with no more than a baud rate. */
export const DEFAULT_SETTINGS: Omit<LineSettings, "baudRate"> = {
  dataBits: 8,
  stopBits: 1,
  parity: "none",
  rtscts: false,
  xon: false,
  xoff: false,
  xany: false,
  hupcl: true,
};

const BOOLEANS = ["rtscts", "xon", "xoff", "xany", "hupcl"] as const;

function checkObject(options: unknown, action: string): asserts options is Record<string, unknown> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${action}: the options must be an object, got ${describe(options)}`);
  }
}

function checkBaudRate(value: unknown, action: string): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`${action}: baudRate must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value <= 0 || value > 0x7fffffff) {
    throw new RangeError(`${action}: baudRate must be a positive integer, got ${value}`);
  }
}

/** Checks the line settings given; returns them merged over `base`. */
export function checkSettings(
  options: unknown,
  base: Omit<LineSettings, "baudRate"> & { baudRate?: number },
  action: string,
): LineSettings {
  checkObject(options, action);
  const out = { ...base } as LineSettings;
  if (options.baudRate !== undefined || base.baudRate === undefined) {
    checkBaudRate(options.baudRate, action);
    out.baudRate = options.baudRate;
  }
  const { dataBits, stopBits, parity } = options;
  if (dataBits !== undefined) {
    if (typeof dataBits !== "number") {
      throw new TypeError(`${action}: dataBits must be a number, got ${describe(dataBits)}`);
    }
    if (dataBits !== 5 && dataBits !== 6 && dataBits !== 7 && dataBits !== 8) {
      throw new RangeError(`${action}: dataBits must be 5, 6, 7 or 8, got ${dataBits}`);
    }
    out.dataBits = dataBits;
  }
  if (stopBits !== undefined) {
    if (typeof stopBits !== "number") {
      throw new TypeError(`${action}: stopBits must be a number, got ${describe(stopBits)}`);
    }
    if (stopBits !== 1 && stopBits !== 1.5 && stopBits !== 2) {
      throw new RangeError(`${action}: stopBits must be 1, 1.5 or 2, got ${stopBits}`);
    }
    out.stopBits = stopBits;
  }
  if (parity !== undefined) {
    if (typeof parity !== "string" || !(PARITIES as readonly string[]).includes(parity)) {
      throw new TypeError(
        `${action}: parity must be one of ${PARITIES.map((p) => `"${p}"`).join(", ")}, got ${
          describe(parity)
        }`,
      );
    }
    out.parity = parity as Parity;
  }
  for (const name of BOOLEANS) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== "boolean") {
      throw new TypeError(`${action}: ${name} must be a boolean, got ${describe(value)}`);
    }
    out[name] = value;
  }
  return out;
}

/** Checks the options of `openSerial`. */
export function checkOpenOptions(
  options: unknown,
  action: string,
): { settings: LineSettings; lock: boolean; loop: LoopSurface | undefined } {
  checkObject(options, action);
  const settings = checkSettings(options, DEFAULT_SETTINGS, action);
  const { lock = true, loop } = options;
  if (typeof lock !== "boolean") {
    throw new TypeError(`${action}: lock must be a boolean, got ${describe(lock)}`);
  }
  if (loop !== undefined && !(loop instanceof LoopSurface)) {
    throw new TypeError(
      `${action}: loop must be an EventLoop or an IOLoop, got ${describe(loop)}`,
    );
  }
  return { settings, lock, loop };
}

/** Checks a path: a non-empty string without NUL. */
export function checkPath(path: unknown, action: string): asserts path is string {
  if (typeof path !== "string") {
    throw new TypeError(`${action}: the path must be a string, got ${describe(path)}`);
  }
  if (path === "" || path.includes("\0")) {
    throw new TypeError(`${action}: the path must be non-empty and contain no NUL character`);
  }
}
