/**
 * `SerialPortBinding`: the serialport stack's binding interface
 * (`@serialport/bindings-interface` 1.x) over evloop's `SerialPort`, so that
 * `SerialPortStream` from `@serialport/stream` and every `@serialport/parser-*`
 * run unchanged on Deno, Bun and Node, with their reads and writes waiting on
 * the device loop instead of a thread or a 1 ms poll.
 *
 * It behaves as `@serialport/bindings-cpp` does on Linux: the same checks
 * of `open()`'s options (in its words), `tcflush` on open, every `set()`
 * flag given its default, `isOpen` false from the moment `close()` is
 * called, a read pending at `close()` rejected with `canceled: true`, and
 * any call on a closed port rejected. The port (`SerialPort`) does the
 * work and its checks; this class only adapts the shapes.
 * `@serialport/bindings-interface` is a type-only dependency.
 *
 * @module
 */
// Only to check, once at the end of this file, that the class is the
// interface's binding: the public signatures name evloop's own types
// (below), so that the package's declarations are not part of evloop's API.
import type { BindingInterface } from "@serialport/bindings-interface";
import { listSerialPorts } from "./serial_list.ts";
import { openSerial, type SerialPort } from "./serial_port.ts";
import { DEFAULT_SETTINGS, type SerialOptions } from "./serial_options.ts";

/**
 * What `SerialPortBinding.open()` takes: `@serialport/bindings-interface`'s
 * `OpenOptions`, as `SerialPortStream` passes them.
 *
 * @example
 * ```ts
 * import type { BindingOpenOptions } from "@evloop/evloop/serial";
 *
 * const options: BindingOpenOptions = { path: "/dev/ttyUSB0", baudRate: 115200, parity: "even" };
 * ```
 */
export interface BindingOpenOptions {
  /** The device's path, e.g. `/dev/ttyUSB0`. */
  path: string;
  /** The line speed: any positive integer. */
  baudRate: number;
  /** 5, 6, 7 or 8 (default 8). */
  dataBits?: 5 | 6 | 7 | 8;
  /** Open exclusively (default true). */
  lock?: boolean;
  /** 1, 1.5 or 2 (default 1). */
  stopBits?: 1 | 1.5 | 2;
  /** "none", "even", "odd", "mark" or "space" (default "none"). */
  parity?: string;
  /** Hardware flow control (default false). */
  rtscts?: boolean;
  /** XON/XOFF on output (default false). */
  xon?: boolean;
  /** XON/XOFF on input (default false). */
  xoff?: boolean;
  /** Any byte restarts output (default false). */
  xany?: boolean;
  /** Drop DTR and RTS at the last close (default true). */
  hupcl?: boolean;
}

/**
 * What `SerialPortBinding.update()` takes (the interface's `UpdateOptions`).
 *
 * @example
 * ```ts
 * import type { BindingUpdateOptions } from "@evloop/evloop/serial";
 *
 * const faster: BindingUpdateOptions = { baudRate: 250000 };
 * ```
 */
export interface BindingUpdateOptions {
  /** The new line speed. */
  baudRate: number;
}

/**
 * What `SerialPortBinding.set()` takes (the interface's `SetOptions`): a
 * flag not given is set to false.
 *
 * @example
 * ```ts
 * import type { BindingSetOptions } from "@evloop/evloop/serial";
 *
 * const reset: BindingSetOptions = { dtr: false, rts: false };
 * ```
 */
export interface BindingSetOptions {
  /** Send a break. */
  brk?: boolean;
  /** An input line: taken and ignored, as bindings-cpp does on Linux. */
  cts?: boolean;
  /** An input line: taken and ignored, as bindings-cpp does on Linux. */
  dsr?: boolean;
  /** Data Terminal Ready. */
  dtr?: boolean;
  /** Request To Send. */
  rts?: boolean;
  /** Low-latency mode where the driver has it (ignored otherwise). */
  lowLatency?: boolean;
}

/**
 * What `SerialPortBinding.get()` resolves to (the interface's
 * `PortStatus`).
 *
 * @example
 * ```ts
 * import type { BindingPortStatus } from "@evloop/evloop/serial";
 *
 * const idle: BindingPortStatus = { cts: false, dsr: false, dcd: false };
 * ```
 */
export interface BindingPortStatus {
  /** Clear To Send. */
  cts: boolean;
  /** Data Set Ready. */
  dsr: boolean;
  /** Data Carrier Detect. */
  dcd: boolean;
}

/**
 * What `SerialPortBinding.list()` resolves to (the interface's `PortInfo`):
 * every field present, `undefined` when unknown.
 *
 * @example
 * ```ts
 * import type { BindingPortInfo } from "@evloop/evloop/serial";
 *
 * const port: BindingPortInfo = {
 *   path: "/dev/ttyACM0",
 *   manufacturer: "Arduino (www.arduino.cc)",
 *   serialNumber: undefined,
 *   pnpId: undefined,
 *   locationId: undefined,
 *   productId: "0043",
 *   vendorId: "2341",
 * };
 * ```
 */
export interface BindingPortInfo {
  /** The device's path. */
  path: string;
  /** The USB manufacturer string. */
  manufacturer: string | undefined;
  /** The USB serial number. */
  serialNumber: string | undefined;
  /** The `/dev/serial/by-id` name. */
  pnpId: string | undefined;
  /** The USB device's place on the bus (its sysfs name, e.g. "1-1.4"). */
  locationId: string | undefined;
  /** The USB product id, 4 hex digits. */
  productId: string | undefined;
  /** The USB vendor id, 4 hex digits. */
  vendorId: string | undefined;
}

/**
 * Runs the synchronous `fn` as the interface's asynchronous call: its
 * result resolves, what it throws rejects.
 */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * A serial port opened through the serialport stack's binding interface
 * (`@serialport/bindings-interface` 1.x `BindingInterface`, with
 * `BindingPortInterface` for its instances). Pass the class itself as
 * `binding` to `SerialPortStream`; call `SerialPortBinding.open()` to use a
 * port directly. Every method returns a promise, as the interface says;
 * bad arguments reject with a `TypeError`, calls on a closed port with
 * EBADF (the port is closed).
 *
 * @example Talk to a device on a pty with the binding alone
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
 *
 * const { master, path } = openPty();
 * const port = await SerialPortBinding.open({ path, baudRate: 115200 });
 * // The device (the pty's master end) says hello; the port reads it.
 * fd.write(master, new TextEncoder().encode("hi"));
 * const { buffer, bytesRead } = await port.read(new Uint8Array(2), 0, 2);
 * assertEquals(new TextDecoder().decode(buffer.subarray(0, bytesRead)), "hi");
 * await port.close();
 * fd.close(master);
 * ```
 */
export class SerialPortBinding {
  /**
   * The options the port was opened with, bindings-cpp's defaults filled in.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const { master, path } = openPty();
   * const port = await SerialPortBinding.open({ path, baudRate: 9600 });
   * assertEquals(port.openOptions.dataBits, 8);
   * assertEquals(port.openOptions.lock, true);
   * await port.close();
   * fd.close(master);
   * ```
   */
  readonly openOptions: Required<BindingOpenOptions>;
  #port: SerialPort;

  private constructor(port: SerialPort, openOptions: Required<BindingOpenOptions>) {
    this.#port = port;
    this.openOptions = openOptions;
  }

  /**
   * Lists the serial ports of this machine (`listSerialPorts()`), each with
   * every `BindingPortInfo` field present, `undefined` when unknown.
   *
   * @returns The ports, in `listSerialPorts()` order.
   *
   * @example List the ports
   * ```ts
   * import { assert } from "@std/assert";
   * import { SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const ports = await SerialPortBinding.list();
   * for (const port of ports) assert(port.path.startsWith("/dev/"));
   * ```
   */
  static async list(): Promise<BindingPortInfo[]> {
    const ports = await listSerialPorts();
    return ports.map((port) => ({
      path: port.path,
      manufacturer: port.manufacturer,
      serialNumber: port.serialNumber,
      pnpId: port.pnpId,
      locationId: port.locationId,
      vendorId: port.vendorId,
      productId: port.productId,
    }));
  }

  /**
   * Opens the port at `options.path` (exclusively unless `lock: false`),
   * configures it, and discards whatever was buffered before, as
   * bindings-cpp does.
   *
   * @param options `path` and `baudRate` are required; `dataBits` (8),
   *   `stopBits` (1), `parity` ("none"), `rtscts`, `xon`, `xoff`, `xany`
   *   (false), `hupcl` (true) and `lock` (true) have defaults.
   * @returns The open port.
   * @throws {TypeError} (as a rejection) options not an object, no path,
   *   no baud rate, or a setting of the wrong type or an unknown parity.
   * @throws {RangeError} (as a rejection) a setting out of range
   *   (`dataBits: 9`, a negative baud rate).
   * @throws {SystemError} (as a rejection) the port cannot be opened or
   *   locked; the message names the path.
   *
   * @example A path that does not exist
   * ```ts
   * import { assertRejects } from "@std/assert";
   * import { SerialPortBinding } from "@evloop/evloop/serial";
   *
   * await assertRejects(
   *   () => SerialPortBinding.open({ path: "/dev/ttyNOPE", baudRate: 9600 }),
   *   Error,
   *   "/dev/ttyNOPE",
   * );
   * ```
   */
  static async open(options: BindingOpenOptions): Promise<SerialPortBinding> {
    if (!isObject(options)) throw new TypeError('"options" is not an object');
    if (!options.path) throw new TypeError('"path" is not a valid port');
    if (!options.baudRate) throw new TypeError('"baudRate" is not a valid baudRate');
    // bindings-cpp's defaults are the port's own (DEFAULT_SETTINGS).
    const openOptions: Required<BindingOpenOptions> = {
      ...DEFAULT_SETTINGS,
      lock: true,
      ...options,
    };
    const { path, baudRate, dataBits, stopBits, rtscts, xon, xoff, xany, hupcl, lock } =
      openOptions;
    // openSerial checks every setting (a RangeError or TypeError naming
    // it) before it touches the device.
    const parity = openOptions.parity as SerialOptions["parity"];
    const port = openSerial(path, {
      baudRate,
      dataBits,
      stopBits,
      parity,
      rtscts,
      xon,
      xoff,
      xany,
      hupcl,
      lock,
    });
    try {
      // bindings-cpp flushes both queues once the line is set: bytes that
      // arrived before were received at the old settings.
      port.flush();
    } catch (error) {
      await port.close();
      throw error;
    }
    return new SerialPortBinding(port, openOptions);
  }

  /**
   * Whether the port is open: false from the moment `close()` is called.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const { master, path } = openPty();
   * const port = await SerialPortBinding.open({ path, baudRate: 9600 });
   * assertEquals(port.isOpen, true);
   * await port.close();
   * assertEquals(port.isOpen, false);
   * fd.close(master);
   * ```
   */
  get isOpen(): boolean {
    return this.#port.isOpen;
  }

  /**
   * Closes the port. A read pending at that moment rejects with
   * `canceled: true`.
   *
   * @throws {SystemError} (as a rejection) EBADF (the port is closed) when
   *   already closed.
   *
   * @example Close twice
   * ```ts
   * import { assertRejects } from "@std/assert";
   * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const { master, path } = openPty();
   * const port = await SerialPortBinding.open({ path, baudRate: 9600 });
   * await port.close();
   * await assertRejects(() => port.close(), Error, "the port is closed");
   * fd.close(master);
   * ```
   */
  async close(): Promise<void> {
    await this.#port.close();
  }

  /**
   * Reads at most `length` bytes into `buffer` at `offset`, waiting on the
   * loop until at least one byte is there.
   *
   * @param buffer Where the bytes go (a Buffer or any Uint8Array).
   * @param offset Where in `buffer` they start.
   * @param length How many bytes at most.
   * @returns `buffer` itself and how many bytes were read (at least 1).
   * @throws {TypeError} (as a rejection) bad arguments.
   * @throws {SystemError} (as a rejection) EBADF (the port is closed); with
   *   `canceled: true` when the port closes while the read waits.
   * @throws {SystemError} (as a rejection) the device failed or hung up
   *   (EIO): `SerialPortStream` takes that as a disconnect.
   *
   * @example Read what the device sent
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const { master, path } = openPty();
   * const port = await SerialPortBinding.open({ path, baudRate: 9600 });
   * fd.write(master, new TextEncoder().encode("ok"));
   * const buffer = new Uint8Array(8);
   * const { bytesRead } = await port.read(buffer, 0, 8);
   * assertEquals(new TextDecoder().decode(buffer.subarray(0, bytesRead)), "ok");
   * await port.close();
   * fd.close(master);
   * ```
   */
  // The interface names Node's Buffer; any Uint8Array will do (a Buffer is
  // one), and the one given comes back, typed as given.
  async read<T extends Uint8Array>(
    buffer: T,
    offset: number,
    length: number,
  ): Promise<{ buffer: T; bytesRead: number }> {
    // The port checks the arguments, and rejects with `canceled: true` a
    // read that close() cuts short.
    const bytesRead = await this.#port.read(buffer, offset, length);
    return { buffer, bytesRead };
  }

  /**
   * Writes all of `buffer`, waiting on the loop whenever the device's
   * queue is full. Resolves once the kernel has every byte.
   *
   * @param buffer The bytes (a Buffer or any Uint8Array); empty is fine.
   * @throws {TypeError} (as a rejection) `buffer` is not bytes.
   * @throws {SystemError} (as a rejection) EBADF (the port is closed).
   *
   * @example
   * ```ts
   * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const { master, path } = openPty();
   * const port = await SerialPortBinding.open({ path, baudRate: 9600 });
   * await port.write(new Uint8Array([1, 2, 3]));
   * await port.close();
   * fd.close(master);
   * ```
   */
  write(buffer: Uint8Array): Promise<void> {
    return this.#port.write(buffer);
  }

  /**
   * Changes the line speed of the open port.
   *
   * @param options `baudRate`: the new rate (any integer rate the device
   *   takes; Linux sets it exactly with termios2).
   * @throws {TypeError} (as a rejection) not an object, or no numeric
   *   `baudRate`.
   * @throws {SystemError} (as a rejection) EBADF (the port is closed).
   *
   * @example Change the speed and read it back
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const { master, path } = openPty();
   * const port = await SerialPortBinding.open({ path, baudRate: 9600 });
   * await port.update({ baudRate: 57600 });
   * assertEquals(await port.getBaudRate(), { baudRate: 57600 });
   * await port.close();
   * fd.close(master);
   * ```
   */
  update(options: BindingUpdateOptions): Promise<void> {
    return settle(() => {
      if (!isObject(options)) throw new TypeError('"options" is not an object');
      if (typeof options.baudRate !== "number") {
        throw new TypeError('"options.baudRate" is not a number');
      }
      this.#port.configure({ baudRate: options.baudRate });
    });
  }

  /**
   * Sets the modem control lines. As in bindings-cpp, every flag not given
   * is set to false: `{}` drops DTR and RTS.
   *
   * @param options `dtr`, `rts`, `brk` (`cts` and `dsr` are inputs: taken
   *   and ignored on Linux, as bindings-cpp does).
   * @throws {TypeError} (as a rejection) not an object.
   * @throws {SystemError} (as a rejection) EBADF (the port is closed).
   * @throws {SystemError} (as a rejection) `ENOTTY` where the device has no
   *   modem lines (a pty).
   *
   * @example
   * ```ts ignore
   * const port = await SerialPortBinding.open({ path: "/dev/ttyUSB0", baudRate: 9600 });
   * await port.set({ dtr: true, rts: false });
   * ```
   */
  set(options: BindingSetOptions): Promise<void> {
    return settle(() => {
      if (!isObject(options)) throw new TypeError('"options" is not an object');
      this.#port.set({
        brk: options.brk === true,
        rts: options.rts === true,
        cts: options.cts === true,
        dtr: options.dtr === true,
        dsr: options.dsr === true,
      });
    });
  }

  /**
   * Reads the modem status lines.
   *
   * @returns `{ cts, dsr, dcd }`.
   * @throws {SystemError} (as a rejection) EBADF (the port is closed).
   * @throws {SystemError} (as a rejection) `ENOTTY` where the device has no
   *   modem lines (a pty).
   *
   * @example
   * ```ts ignore
   * const port = await SerialPortBinding.open({ path: "/dev/ttyUSB0", baudRate: 9600 });
   * const { cts, dsr, dcd } = await port.get();
   * ```
   */
  get(): Promise<BindingPortStatus> {
    return settle(() => {
      const { cts, dsr, dcd } = this.#port.get();
      return { cts, dsr, dcd };
    });
  }

  /**
   * The line speed the OS reports for the port.
   *
   * @returns `{ baudRate }`.
   * @throws {SystemError} (as a rejection) EBADF (the port is closed).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const { master, path } = openPty();
   * const port = await SerialPortBinding.open({ path, baudRate: 250000 });
   * assertEquals(await port.getBaudRate(), { baudRate: 250000 });
   * await port.close();
   * fd.close(master);
   * ```
   */
  getBaudRate(): Promise<{ baudRate: number }> {
    return settle(() => ({ baudRate: this.#port.getBaudRate() }));
  }

  /**
   * Discards the bytes received but not read and written but not sent.
   *
   * @throws {SystemError} (as a rejection) EBADF (the port is closed).
   *
   * @example
   * ```ts
   * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const { master, path } = openPty();
   * const port = await SerialPortBinding.open({ path, baudRate: 9600 });
   * await port.flush();
   * await port.close();
   * fd.close(master);
   * ```
   */
  flush(): Promise<void> {
    return settle(() => {
      this.#port.flush();
    });
  }

  /**
   * Waits for the write in progress, then until the device has sent every
   * byte; the thread never blocks (the port polls its output queue on the
   * loop's timers).
   *
   * @throws {SystemError} (as a rejection) EBADF (the port is closed).
   *
   * @example Write, then wait until it is out
   * ```ts
   * import { fd, openPty, SerialPortBinding } from "@evloop/evloop/serial";
   *
   * const { master, path } = openPty();
   * const port = await SerialPortBinding.open({ path, baudRate: 9600 });
   * await port.write(new Uint8Array(64));
   * await port.drain();
   * await port.close();
   * fd.close(master);
   * ```
   */
  async drain(): Promise<void> {
    // The port's drain waits for its pending writes first.
    await this.#port.drain();
  }
}

// The class is the interface's binding (its static side) and its instances
// the interface's ports: checked here, once, by the type checker.
const _binding: BindingInterface<SerialPortBinding> = SerialPortBinding;
void _binding;
