/**
 * `listSerialPorts()`: the serial ports of this machine with what the USB
 * layer says about them, read from sysfs (Linux): no udev, no helper
 * program. Elsewhere (macOS, the BSDs) it returns an empty list: IOKit's
 * registry is not read (see docs/serial.md).
 *
 * @module
 */
import { readdir, readFile, readlink, realpath } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { binding } from "../../ffi/load.ts";

/** One serial port, as serialport's `list()` describes it. */
export interface PortInfo {
  /** The device's path: "/dev/ttyUSB0". */
  path: string;
  /** The USB device's manufacturer string ("FTDI"). */
  manufacturer?: string;
  /** The USB device's serial number string. */
  serialNumber?: string;
  /** The name of its /dev/serial/by-id link ("usb-FTDI_FT232R_USB_UART_A1B2-if00-port0"). */
  pnpId?: string;
  /** Where it is plugged in: the USB device's bus and port path ("1-1.4"). */
  locationId?: string;
  /** The USB vendor id, 4 hex digits ("0403"). */
  vendorId?: string;
  /** The USB product id, 4 hex digits ("6001"). */
  productId?: string;
}

/** Where `listSerialPortsIn` looks: the sysfs root and the /dev root. */
export interface ListRoots {
  /** @default {"/sys"} */
  sys: string;
  /** @default {"/dev"} */
  dev: string;
}

/**
 * Whether `error` is the system's answer (ENOENT, EACCES: a code): what is
 * not there is unknown. Anything else (Deno's NotCapable without -A) is
 * thrown, so that a denied listing is never an empty one.
 */
function systemAnswer(error: unknown): boolean {
  return typeof (error as { code?: unknown })?.code === "string";
}

/** Throws `error` unless it is the system's answer. */
function unlessSystem(error: unknown): void {
  if (!systemAnswer(error)) {
    const hint = binding.runtime === "deno" ? " (Deno reads /sys only with -A)" : "";
    throw new Error(`Cannot list serial ports: ${(error as Error)?.message ?? error}${hint}`, {
      cause: error,
    });
  }
}

/** A file's text, trimmed; undefined when it is missing or empty. */
async function attribute(dir: string, name: string): Promise<string | undefined> {
  try {
    const text = (await readFile(join(dir, name), "utf8")).trim();
    return text === "" ? undefined : text;
  } catch (error) {
    unlessSystem(error);
    return undefined;
  }
}

/** The USB device directory above a tty's device (the first with idVendor). */
async function usbDevice(deviceDir: string, sys: string): Promise<string | undefined> {
  let dir = deviceDir;
  while (dir.startsWith(sys) && dir.length > sys.length) {
    if (await attribute(dir, "idVendor") !== undefined) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** tty name -> the name of its /dev/serial/by-id link. */
async function byIdLinks(dev: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const dir = join(dev, "serial", "by-id");
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    unlessSystem(error);
    return links; // no such directory: no USB serial device, or no udev
  }
  for (const name of names.sort()) {
    try {
      const target = resolve(dir, await readlink(join(dir, name)));
      if (!links.has(basename(target))) links.set(basename(target), name);
    } catch (error) {
      unlessSystem(error); // not a link
    }
  }
  return links;
}

/**
 * `listSerialPorts()` over other roots than /sys and /dev: for tests,
 * which build a sysfs tree of their own.
 */
export async function listSerialPortsIn(roots: ListRoots): Promise<PortInfo[]> {
  const classDir = join(roots.sys, "class", "tty");
  let names: string[];
  try {
    names = await readdir(classDir);
  } catch (error) {
    unlessSystem(error);
    return [];
  }
  const sys = await realpath(roots.sys).catch(() => roots.sys);
  const links = await byIdLinks(roots.dev);
  const ports: PortInfo[] = [];
  for (const name of names.sort()) {
    // Virtual terminals (tty0, console, ptmx) have no device behind them.
    let deviceDir: string;
    try {
      deviceDir = await realpath(join(classDir, name, "device"));
    } catch (error) {
      unlessSystem(error);
      continue;
    }
    // A legacy 8250 port with no UART behind it reports type 0 (PORT_UNKNOWN).
    if (await attribute(join(classDir, name), "type") === "0") continue;
    const info: PortInfo = { path: join(roots.dev, name) };
    const usb = await usbDevice(deviceDir, sys);
    if (usb !== undefined) {
      info.manufacturer = await attribute(usb, "manufacturer");
      info.serialNumber = await attribute(usb, "serial");
      info.vendorId = await attribute(usb, "idVendor");
      info.productId = await attribute(usb, "idProduct");
      info.locationId = basename(usb);
    }
    info.pnpId = links.get(name);
    // Undefined, never "": drop what is unknown.
    for (const key of Object.keys(info) as (keyof PortInfo)[]) {
      if (info[key] === undefined) delete info[key];
    }
    ports.push(info);
  }
  return ports;
}

/**
 * The serial ports of this machine: on Linux every tty in
 * `/sys/class/tty` with a device behind it (USB adapters, CDC-ACM boards,
 * UARTs that are there), with the USB device's manufacturer, serial
 * number, vendor and product ids, where it is plugged in (`locationId`,
 * "1-1.4") and its `/dev/serial/by-id` name (`pnpId`). What is unknown is
 * left out (undefined, never ""). On macOS and the BSDs it returns `[]`:
 * open `/dev/cu.*` paths directly there. Deno reads `/sys` only with
 * `-A` (`--allow-all`); without it this rejects, never lists nothing.
 *
 * @example
 * ```ts
 * import { listSerialPorts } from "@evloop/evloop/serial";
 * import { assert } from "@std/assert";
 *
 * for (const port of await listSerialPorts()) {
 *   assert(port.path.startsWith("/dev/"));
 * }
 * ```
 *
 * @returns The ports, sorted by name.
 * @throws {Error} (as a rejection) When the runtime denies reading sysfs.
 */
export function listSerialPorts(): Promise<PortInfo[]> {
  if (binding.os !== "linux") return Promise.resolve([]);
  return listSerialPortsIn({ sys: "/sys", dev: "/dev" });
}
