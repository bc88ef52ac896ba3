/**
 * evloop's serial entry point: serial ports and pseudo-terminals on the
 * loop, for Deno, Bun and Node. Every termios and ioctl call is made in
 * the shim (any baud rate through Linux's termios2, modem lines, the
 * exclusive lock, the output queue), and nothing blocks the thread: reads
 * and writes wait for readiness, `drain()` polls the output queue on the
 * loop's timers.
 *
 * From a clone: `import { openSerial } from "./serial.ts"`; from npm:
 * `"evloop/serial"`; from JSR: `"@evloop/evloop/serial"`.
 *
 * @example Open a port and read what the device sends
 * ```ts
 * import { fd, openPty, openSerial } from "@evloop/evloop/serial";
 * import { assertEquals } from "@std/assert";
 *
 * const device = openPty(); // a pty plays the device: no hardware needed
 * await using port = openSerial(device.path, { baudRate: 115200 });
 * fd.write(device.master, new TextEncoder().encode("READY\n"));
 * const buf = new Uint8Array(64);
 * const n = await port.read(buf, 0, buf.length);
 * assertEquals(new TextDecoder().decode(buf.subarray(0, n)), "READY\n");
 * fd.close(device.master);
 * ```
 *
 * @module
 */
export {
  type CanceledError,
  type DrainOptions,
  type ModemFlags,
  type ModemStatus,
  openSerial,
  SerialPort,
} from "./src/devices/serial_port.ts";
export { type SerialOptions, type SerialSettings } from "./src/devices/serial_options.ts";
export { type LineSettings, type Parity, type ReadSettings } from "./src/devices/tty.ts";
export { openPty, type Pty } from "./src/devices/pty.ts";
export { listSerialPorts, type PortInfo } from "./src/devices/serial_list.ts";
export { deviceLoop, holdDeviceLoop } from "./src/devices/device_loop.ts";
// The fd helpers, for a pty's master end.
export * as fd from "./src/sys/fd.ts";
export { SystemError } from "./src/sys/errors.ts";

// ---- the serialport binding (src/devices/serial_binding.ts) -------------
export {
  type BindingOpenOptions,
  type BindingPortInfo,
  type BindingPortStatus,
  type BindingSetOptions,
  type BindingUpdateOptions,
  SerialPortBinding,
} from "./src/devices/serial_binding.ts";
