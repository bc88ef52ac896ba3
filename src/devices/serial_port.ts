/**
 * `SerialPort` and `openSerial()`: a serial device (or a pty's slave) as a
 * non-blocking fd on a loop. Reads and writes wait for readiness on the
 * loop, `drain()` polls the output queue on the loop's timers: nothing
 * here ever blocks the thread.
 *
 * @module
 */
import type { LoopSurface } from "../api/loop_surface.ts";
import { eitherSignal, onAbort, signalOf } from "../async/abort.ts";
import { Errno, SystemError } from "../sys/errors.ts";
import * as fdio from "../sys/fd.ts";
import { describe } from "../sys/validate.ts";
import { deviceLoop, holdDeviceLoop } from "./device_loop.ts";
import {
  checkOpenOptions,
  checkPath,
  checkSettings,
  type SerialOptions,
  type SerialSettings,
} from "./serial_options.ts";
import {
  type LineSettings,
  ModemLine,
  type ReadSettings,
  ttyBaudRate,
  ttyConfigure,
  ttyFlush,
  ttyLock,
  ttyLowLatency,
  ttyModemGet,
  ttyModemSet,
  ttyOpen,
  ttyOutq,
  ttyReadSettings,
} from "./tty.ts";

/** The modem's input lines (`SerialPort.get()`). */
export interface ModemStatus {
  /** Clear To Send. */
  cts: boolean;
  /** Data Set Ready. */
  dsr: boolean;
  /** Data Carrier Detect. */
  dcd: boolean;
  /** Ring Indicator. */
  ri: boolean;
}

/** The lines `SerialPort.set()` drives; those left out stay as they are. */
export interface ModemFlags {
  /** Data Terminal Ready. */
  dtr?: boolean;
  /** Request To Send. */
  rts?: boolean;
  /** A break (the line held low) while true. */
  brk?: boolean;
  /** Accepted and ignored: an input line (as bindings-cpp does on Linux). */
  cts?: boolean;
  /** Accepted and ignored: an input line. */
  dsr?: boolean;
  /** ASYNC_LOW_LATENCY where the driver has it; ignored elsewhere (a pty). */
  lowLatency?: boolean;
}

/** Options for `drain()`. */
export interface DrainOptions {
  /** Stops waiting: the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** The error of a read or write cut short by `close()`: `canceled: true`. */
export type CanceledError = SystemError & { readonly canceled: true };

/** The first and the longest pause between two looks at the output queue. */
const DRAIN_FIRST_MS = 1;
const DRAIN_MAX_MS = 5;
const CHUNK = 65536;

/**
 * An open serial port. Made by `openSerial()`; its reads and writes wait
 * on a loop (the device loop unless `loop` was given), so any number of
 * ports share one thread.
 *
 * @example Talking to a device on a pty
 * ```ts
 * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
 * import { assertEquals } from "@std/assert";
 *
 * const pty = openPty(); // the master plays the device
 * const port = openSerial(pty.path, { baudRate: 9600 });
 * await port.write(new TextEncoder().encode("AT\r"));
 * const got = new Uint8Array(8);
 * while (fd.read(pty.master, got) === null) await new Promise((r) => setTimeout(r, 1));
 * assertEquals(new TextDecoder().decode(got.subarray(0, 3)), "AT\r");
 * await port.close();
 * fd.close(pty.master);
 * ```
 */
export class SerialPort implements AsyncDisposable {
  /** The port's fd (non-blocking, close-on-exec); -1 once closed. */
  readonly fd: number;
  /** The path it was opened at. */
  readonly path: string;
  #loop: LoopSurface;
  #release: (() => Promise<void>) | undefined;
  #locked: boolean;
  #settings: LineSettings;
  #open = true;
  /** Aborted by close(): every wait on the loop ends. */
  #closing = new AbortController();
  /** Reads and writes each run one at a time, in call order. */
  #reads: Promise<unknown> = Promise.resolve();
  #writes: Promise<unknown> = Promise.resolve();
  #readable: ReadableStream<Uint8Array> | undefined;
  #writable: WritableStream<Uint8Array> | undefined;

  /** @internal Made by `openSerial()` only. */
  constructor(
    fd: number,
    path: string,
    settings: LineSettings,
    locked: boolean,
    loop: LoopSurface,
    release: (() => Promise<void>) | undefined,
  ) {
    this.fd = fd;
    this.path = path;
    this.#settings = settings;
    this.#locked = locked;
    this.#loop = loop;
    this.#release = release;
  }

  /** Whether the port is open (false once `close()` was called). */
  get isOpen(): boolean {
    return this.#open;
  }

  /** The loop the port waits on. */
  get loop(): LoopSurface {
    return this.#loop;
  }

  #closedError(action: string): SystemError {
    return new SystemError(Errno.EBADF, "close", action, "the port is closed");
  }

  #checkOpen(action: string): void {
    if (!this.#open) throw this.#closedError(action);
  }

  #canceled(action: string): CanceledError {
    const error = new SystemError(Errno.ECANCELED, "close", action, "the port was closed");
    return Object.assign(error, { canceled: true as const });
  }

  #hungUp(action: string): SystemError {
    const error = new SystemError(Errno.EIO, "read", action, "the device hung up");
    return Object.assign(error, { disconnected: true });
  }

  /**
   * Waits for readiness; close() makes it reject with a canceled error,
   * `signal` (close() or another reason) with its reason.
   */
  async #wait(
    kind: "readable" | "writable",
    action: string,
    signal: AbortSignal = this.#closing.signal,
  ): Promise<void> {
    try {
      await this.#loop[kind](this.fd, { signal });
    } catch (error) {
      if (this.#closing.signal.aborted) throw this.#canceled(action);
      throw error;
    }
  }

  /** A failed read(2) or write(2) in the port's words: EIO is a hang-up. */
  #ioError(error: unknown, action: string): unknown {
    if (!(error instanceof SystemError)) return error;
    // A pty's master reads EIO once the slave is gone, a hung-up terminal
    // refuses writes with it, a USB port its unplugging: the device hung up.
    if (error.code === "EIO") return this.#hungUp(action);
    return new SystemError(error.errno, error.syscall, action);
  }

  /**
   * Changes the line settings; what is left out stays. Every value is
   * checked before the port is touched.
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   * import { assertEquals } from "@std/assert";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * port.configure({ baudRate: 250000, stopBits: 2 });
   * assertEquals(port.getBaudRate(), 250000);
   * fd.close(pty.master);
   * ```
   *
   * @throws {TypeError|RangeError} For a bad value (nothing changes).
   * @throws {SystemError} If the port is closed (EBADF) or the terminal refused.
   */
  configure(options: SerialSettings): void {
    const action = `Cannot configure serial port ${this.path}`;
    this.#checkOpen(action);
    const settings = checkSettings(options, this.#settings, action);
    ttyConfigure(this.fd, settings, action);
    this.#settings = settings;
  }

  /**
   * The line settings as the terminal has them now (read back with
   * tcgetattr), and whether it is in raw mode. A pty keeps 8 data bits
   * and no parity whatever is asked (Linux); a UART keeps what was set.
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   * import { assert } from "@std/assert";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * assert(port.readSettings().raw);
   * fd.close(pty.master);
   * ```
   */
  readSettings(): ReadSettings {
    const action = `Cannot read the settings of serial port ${this.path}`;
    this.#checkOpen(action);
    return ttyReadSettings(this.fd, action);
  }

  /**
   * The baud rate now, read back from the terminal (any rate on Linux).
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   * import { assertEquals } from "@std/assert";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 31250 }); // MIDI
   * assertEquals(port.getBaudRate(), 31250);
   * fd.close(pty.master);
   * ```
   */
  getBaudRate(): number {
    const action = `Cannot read the baud rate of serial port ${this.path}`;
    this.#checkOpen(action);
    return ttyBaudRate(this.fd, action);
  }

  /**
   * The modem's input lines (TIOCMGET). A pty has none: it throws ENOTTY.
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   * import { assertThrows } from "@std/assert";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * assertThrows(() => port.get(), Error, "ENOTTY"); // a pty has no modem lines
   * fd.close(pty.master);
   * ```
   *
   * @throws {SystemError} ENOTTY where the device has no modem lines.
   */
  get(): ModemStatus {
    const action = `Cannot read the modem lines of serial port ${this.path}`;
    this.#checkOpen(action);
    const bits = ttyModemGet(this.fd, action);
    return {
      cts: (bits & ModemLine.CTS) !== 0,
      dsr: (bits & ModemLine.DSR) !== 0,
      dcd: (bits & ModemLine.DCD) !== 0,
      ri: (bits & ModemLine.RI) !== 0,
    };
  }

  /**
   * Drives DTR, RTS and the break; `cts` and `dsr` are accepted and
   * ignored (inputs), `lowLatency` is set where the driver has it.
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   * import { assertThrows } from "@std/assert";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * port.set({ lowLatency: true }); // ignored on a pty
   * assertThrows(() => port.set({ dtr: true }), Error, "ENOTTY"); // a pty has no DTR
   * fd.close(pty.master);
   * ```
   *
   * @throws {TypeError} For a flag that is not a boolean.
   * @throws {SystemError} ENOTTY where the device has no modem lines.
   */
  set(flags: ModemFlags): void {
    const action = `Cannot set the modem lines of serial port ${this.path}`;
    if (flags === null || typeof flags !== "object") {
      throw new TypeError(`${action}: the flags must be an object, got ${describe(flags)}`);
    }
    for (const name of ["dtr", "rts", "brk", "cts", "dsr", "lowLatency"] as const) {
      const value = flags[name];
      if (value !== undefined && typeof value !== "boolean") {
        throw new TypeError(`${action}: ${name} must be a boolean, got ${describe(value)}`);
      }
    }
    this.#checkOpen(action);
    let mask = 0;
    let values = 0;
    for (
      const [name, bit] of [["dtr", ModemLine.DTR], ["rts", ModemLine.RTS], [
        "brk",
        ModemLine.BRK,
      ]] as const
    ) {
      if (flags[name] === undefined) continue;
      mask |= bit;
      if (flags[name]) values |= bit;
    }
    if (flags.lowLatency !== undefined) ttyLowLatency(this.fd, flags.lowLatency, action);
    if (mask !== 0) ttyModemSet(this.fd, mask, values, action);
  }

  /**
   * Discards what is queued in both directions (tcflush TCIOFLUSH).
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * port.flush();
   * fd.close(pty.master);
   * ```
   */
  flush(): void {
    const action = `Cannot flush serial port ${this.path}`;
    this.#checkOpen(action);
    ttyFlush(this.fd, action);
  }

  /**
   * Resolves once every byte written so far has left: the pending
   * `write()`s have handed all their bytes to the kernel, and the output
   * queue (TIOCOUTQ) is empty, looked at on the loop's timers (every 1 ms,
   * backing off to 5 ms). It never blocks the thread; `close()` makes it
   * reject.
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * await port.write(new TextEncoder().encode("hello"));
   * await port.drain();
   * fd.close(pty.master);
   * ```
   *
   * @throws {SystemError} (as a rejection) EBADF once the port is closed,
   * ECANCELED (`canceled: true`) if it closes meanwhile.
   */
  async drain(options: DrainOptions = {}): Promise<void> {
    const action = `Cannot drain serial port ${this.path}`;
    const user = signalOf(options, action);
    this.#checkOpen(action);
    const { signal, unlink } = eitherSignal(this.#closing.signal, user);
    try {
      await this.#drain(action, signal);
    } finally {
      unlink();
    }
  }

  /** drain() once its options are checked: ends on an abort of `signal`. */
  async #drain(action: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const writes = this.#writes;
    let off = () => {};
    await new Promise<void>((resolve, reject) => {
      off = onAbort(signal, reject);
      writes.then(() => resolve(), () => resolve());
    }).catch((error) => {
      throw this.#closing.signal.aborted ? this.#canceled(action) : error;
    }).finally(() => off()); // one listener per drain would pile up
    let pause = DRAIN_FIRST_MS;
    for (;;) {
      if (!this.#open) throw this.#canceled(action);
      if (ttyOutq(this.fd, action) === 0) return;
      try {
        await this.#loop.sleep(pause, { signal });
      } catch (error) {
        throw this.#closing.signal.aborted ? this.#canceled(action) : error;
      }
      pause = Math.min(pause * 2, DRAIN_MAX_MS);
    }
  }

  /**
   * Reads what the device sent into `buffer[offset, offset + length)`,
   * waiting on the loop until there is something; resolves with the
   * number of bytes (at least 1).
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   * import { assertEquals } from "@std/assert";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * const buf = new Uint8Array(16);
   * const reading = port.read(buf, 0, 16);
   * fd.write(pty.master, new Uint8Array([1, 2, 3]));
   * assertEquals(await reading, 3);
   * fd.close(pty.master);
   * ```
   *
   * @throws {SystemError} (as a rejection) EBADF if the port is closed;
   * ECANCELED with `canceled: true` if it is closed while the read waits;
   * EIO with `disconnected: true` once the device hung up.
   */
  read(buffer: Uint8Array, offset: number, length: number): Promise<number> {
    const action = `Cannot read from serial port ${this.path}`;
    try {
      if (!(buffer instanceof Uint8Array)) {
        throw new TypeError(`${action}: the buffer must be a Uint8Array, got ${describe(buffer)}`);
      }
      if (
        !Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 1 ||
        offset + length > buffer.length
      ) {
        throw new RangeError(
          `${action}: offset ${offset} and length ${length} must lie within the buffer's ${buffer.length} bytes`,
        );
      }
      this.#checkOpen(action);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queueRead(buffer.subarray(offset, offset + length), action);
  }

  /** Runs a read after those before it; `signal` (the stream's cancel) ends it too. */
  #queueRead(view: Uint8Array, action: string, signal?: AbortSignal): Promise<number> {
    const run = this.#reads.then(() => this.#read(view, action, signal));
    this.#reads = run.catch(() => {});
    return run;
  }

  async #read(view: Uint8Array, action: string, signal?: AbortSignal): Promise<number> {
    for (;;) {
      if (!this.#open) throw this.#canceled(action);
      signal?.throwIfAborted();
      let n: number | null;
      try {
        n = fdio.read(this.fd, view);
      } catch (error) {
        throw this.#ioError(error, action);
      }
      if (n === 0) throw this.#hungUp(action); // a hung-up terminal reads end of file
      if (n !== null) return n;
      const either = eitherSignal(this.#closing.signal, signal);
      try {
        await this.#wait("readable", action, either.signal);
      } finally {
        either.unlink();
      }
    }
  }

  /**
   * Writes every byte of `data`, waiting on the loop for writability as
   * needed; writes run in call order.
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * await port.write(new TextEncoder().encode("ATZ\r"));
   * fd.close(pty.master);
   * ```
   *
   * @throws {SystemError} (as a rejection) EBADF "the port is closed";
   * ECANCELED with `canceled: true` if it is closed while the write waits.
   */
  write(data: Uint8Array): Promise<void> {
    const action = `Cannot write to serial port ${this.path}`;
    try {
      if (!(data instanceof Uint8Array)) {
        throw new TypeError(`${action}: the data must be a Uint8Array, got ${describe(data)}`);
      }
      this.#checkOpen(action);
    } catch (error) {
      return Promise.reject(error);
    }
    const run = this.#writes.then(() => this.#write(data, action));
    this.#writes = run.catch(() => {});
    return run;
  }

  async #write(data: Uint8Array, action: string): Promise<void> {
    let rest = data;
    while (rest.length > 0) {
      if (!this.#open) throw this.#canceled(action);
      let n: number | null;
      try {
        // One call moves at most what an int32 length can say.
        n = fdio.write(this.fd, rest.subarray(0, Math.min(rest.length, 1 << 30)));
      } catch (error) {
        throw this.#ioError(error, action);
      }
      if (n === null) {
        await this.#wait("writable", action);
        continue;
      }
      rest = rest.subarray(n);
    }
  }

  /**
   * The bytes the device sends, as a byte stream (BYOB readers work). It
   * errors with EIO (`disconnected: true`) when the device hangs up, and
   * with ECANCELED when the port is closed while a read waits.
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   * import { assertEquals } from "@std/assert";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * const reader = port.readable.getReader();
   * fd.write(pty.master, new TextEncoder().encode("ok"));
   * const { value } = await reader.read();
   * assertEquals(new TextDecoder().decode(value), "ok");
   * reader.releaseLock();
   * fd.close(pty.master);
   * ```
   */
  get readable(): ReadableStream<Uint8Array> {
    if (this.#readable !== undefined) return this.#readable;
    const action = `Cannot read from serial port ${this.path}`;
    // Cancelling the stream ends its pending read, which would otherwise
    // take bytes meant for a later reader.
    const cancel = new AbortController();
    this.#readable = new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: CHUNK,
      pull: async (controller) => {
        this.#checkOpen(action);
        const request = controller.byobRequest!;
        const view = request.view!;
        const buf = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
        request.respond(await this.#queueRead(buf, action, cancel.signal));
      },
      cancel: (reason) => cancel.abort(reason),
    }, { highWaterMark: 0 });
    return this.#readable;
  }

  /**
   * The bytes to send, as a stream; each chunk's write settles once the
   * kernel took every byte.
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   *
   * const pty = openPty();
   * await using port = openSerial(pty.path, { baudRate: 9600 });
   * const writer = port.writable.getWriter();
   * await writer.write(new TextEncoder().encode("hi"));
   * writer.releaseLock();
   * fd.close(pty.master);
   * ```
   */
  get writable(): WritableStream<Uint8Array> {
    this.#writable ??= new WritableStream<Uint8Array>({
      write: (chunk) => this.write(chunk),
    });
    return this.#writable;
  }

  /**
   * Closes the port: a pending read, write or drain rejects with
   * `canceled: true`, the lock is let go, the fd closed, and the device
   * loop released (it resolves once the loop stopped, if this was its last
   * port). Closing twice rejects (EBADF).
   *
   * @example
   * ```ts
   * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
   * import { assert } from "@std/assert";
   *
   * const pty = openPty();
   * const port = openSerial(pty.path, { baudRate: 9600 });
   * await port.close();
   * assert(!port.isOpen);
   * fd.close(pty.master);
   * ```
   */
  async close(): Promise<void> {
    const action = `Cannot close serial port ${this.path}`;
    if (!this.#open) throw this.#closedError(action);
    this.#open = false;
    this.#closing.abort(this.#canceled(action));
    try {
      this.#loop.forget(this.fd);
    } catch {
      // The loop was closed: it watches nothing.
    }
    let failure: unknown;
    if (this.#locked) {
      try {
        ttyLock(this.fd, false, action);
      } catch {
        // A hung-up terminal may refuse TIOCNXCL; closing lets go all the same.
      }
    }
    try {
      fdio.close(this.fd);
    } catch (error) {
      failure = error;
    }
    const release = this.#release;
    this.#release = undefined;
    await release?.();
    if (failure !== undefined) throw failure;
  }

  /** Closes the port unless it is closed already (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#open) await this.close();
  }
}

/**
 * Opens a serial port: opens `path` (O_RDWR | O_NOCTTY | O_NONBLOCK |
 * O_CLOEXEC), takes the lock (unless `lock: false`), puts it in raw mode
 * and sets the line. Any failure closes what was opened and throws an
 * error that names the path.
 *
 * @example
 * ```ts
 * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
 * import { assertEquals } from "@std/assert";
 *
 * const pty = openPty();
 * await using port = openSerial(pty.path, { baudRate: 115200, parity: "none" });
 * assertEquals(port.getBaudRate(), 115200);
 * fd.close(pty.master);
 * ```
 *
 * @param path The device: "/dev/ttyUSB0", "/dev/ttyACM0", a pty's slave.
 * @param options The line settings (`baudRate` required), `lock`, `loop`.
 * @returns The open port.
 * @throws {TypeError|RangeError} For bad options, before anything is opened.
 * @throws {SystemError} ENOENT (no such path), ENOTTY (not a terminal),
 * EBUSY (locked), EACCES; the message names the path.
 */
export function openSerial(path: string, options: SerialOptions): SerialPort {
  const action = `Cannot open serial port ${path}`;
  checkPath(path, action);
  const { settings, lock, loop } = checkOpenOptions(options, action);
  const fd = ttyOpen(path, action);
  let locked = false;
  try {
    if (lock) ttyLock(fd, true, action);
    locked = lock;
    ttyConfigure(fd, settings, action);
    // Last: a failure before it leaves no device loop to stop.
    if (loop !== undefined) return new SerialPort(fd, path, settings, lock, loop, undefined);
    const held = deviceLoop();
    return new SerialPort(fd, path, settings, lock, held, holdDeviceLoop());
  } catch (error) {
    // Only a lock this open took is let go: the exclusive flag belongs to
    // the terminal, and another port may hold it.
    if (locked) {
      try {
        ttyLock(fd, false, action);
      } catch {
        // Closing lets go of the flock all the same.
      }
    }
    fdio.close(fd);
    throw error;
  }
}
