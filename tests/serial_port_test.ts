// SerialPort on a pseudo-terminal: open, configure and read back (any
// baud rate), raw bytes both ways, modem lines refused on a pty, the lock,
// flush, drain with a slow reader, hang-up, close while a read waits.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { fd, openPty, openSerial, SystemError } from "../serial.ts";
import { EventLoop } from "../mod.ts";
import { test } from "./_harness.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** A SystemError with the flags the port adds. */
type PortError = SystemError & { canceled?: boolean; disconnected?: boolean };

/** assertRejects for a SystemError whose message includes `includes`. */
async function rejects(fn: () => Promise<unknown>, includes: string): Promise<PortError> {
  return await assertRejects(fn, SystemError, includes) as PortError;
}

/** assertThrows for a SystemError whose message includes `includes`. */
function throws(fn: () => unknown, includes: string): PortError {
  return assertThrows(fn, SystemError, includes) as PortError;
}

/** Reads from a pty's master until `want` bytes came (the master is non-blocking). */
async function readMaster(master: number, want: number): Promise<Uint8Array> {
  const out = new Uint8Array(want);
  let got = 0;
  while (got < want) {
    const n = fd.read(master, out.subarray(got));
    if (n === null) await new Promise((r) => setTimeout(r, 1));
    else got += n;
  }
  return out;
}

test("openSerial: a pty's slave opens raw, with the baud rate asked", async () => {
  const pty = openPty();
  assert(pty.path.startsWith("/dev/"));
  await using port = openSerial(pty.path, { baudRate: 9600 });
  assert(port.isOpen);
  assertEquals(port.path, pty.path);
  assertEquals(port.getBaudRate(), 9600);
  const s = port.readSettings();
  assert(s.raw);
  assertEquals([s.dataBits, s.stopBits, s.parity, s.hupcl, s.rtscts], [8, 1, "none", true, false]);
  fd.close(pty.master);
});

test("SerialPort.configure: any baud rate reads back (BOTHER: 250000, 31250, 1, 12345678)", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 115200 });
  for (const baudRate of [250000, 31250, 1, 12345678, 9600]) {
    port.configure({ baudRate });
    assertEquals(port.getBaudRate(), baudRate);
    assertEquals(port.readSettings().baudRate, baudRate);
  }
  fd.close(pty.master);
});

test("SerialPort.configure: stop bits and flow control round-trip; a pty keeps CS8 and no parity", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  port.configure({ stopBits: 2, rtscts: true, xon: true, xoff: true, xany: true, hupcl: false });
  let s = port.readSettings();
  assertEquals(
    [s.stopBits, s.rtscts, s.xon, s.xoff, s.xany, s.hupcl, s.raw],
    [2, true, true, true, true, false, true],
  );
  // 1.5 is CSTOPB, read back as 2 (termios has one bit).
  port.configure({ stopBits: 1.5, rtscts: false, xon: false, xoff: false, xany: false });
  s = port.readSettings();
  assertEquals([s.stopBits, s.rtscts, s.xon, s.xoff, s.xany], [2, false, false, false, false]);
  // Linux's pty driver forces CS8 and clears PARENB (pty_set_termios):
  // the request is taken, the terminal keeps 8 data bits and no parity.
  port.configure({ dataBits: 7, parity: "even", stopBits: 1 });
  s = port.readSettings();
  assertEquals([s.dataBits, s.parity, s.stopBits], [8, "none", 1]);
  fd.close(pty.master);
});

test("SerialPort: bytes pass untouched both ways (raw: no echo, no CR/LF translation)", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  const all = new Uint8Array(256).map((_, i) => i);
  await port.write(all);
  assertEquals(await readMaster(pty.master, 256), all);
  fd.write(pty.master, all);
  const got = new Uint8Array(256);
  let n = 0;
  while (n < 256) n += await port.read(got, n, 256 - n);
  assertEquals(got, all);
  // No echo came back to the master.
  assertEquals(fd.read(pty.master, new Uint8Array(8)), null);
  fd.close(pty.master);
});

test("SerialPort.close: a pending read rejects with canceled: true; close twice rejects (EBADF)", async () => {
  const pty = openPty();
  const port = openSerial(pty.path, { baudRate: 9600 });
  const reading = port.read(new Uint8Array(8), 0, 8);
  await port.close();
  const error = await rejects(() => reading, "the port was closed");
  assertEquals(error.canceled, true);
  assertEquals(error.code, "ECANCELED");
  assert(!port.isOpen);
  const again = await rejects(
    () => port.close(),
    `Cannot close serial port ${pty.path}: the port is closed`,
  );
  assertEquals(again.code, "EBADF");
  fd.close(pty.master);
});

test("SerialPort: a hang-up (master closed) rejects a waiting read with EIO, disconnected", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  const reading = port.read(new Uint8Array(8), 0, 8);
  fd.close(pty.master);
  const error = await rejects(() => reading, "the device hung up");
  assertEquals(error.code, "EIO");
  assertEquals(error.disconnected, true);
});

test("SerialPort.readable: data, then the hang-up ends it with an error, not a hang", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  const reader = port.readable.getReader();
  fd.write(pty.master, text("abc"));
  const { value } = await reader.read();
  assertEquals(new TextDecoder().decode(value), "abc");
  fd.close(pty.master);
  await rejects(() => reader.read(), "hung up");
});

test("SerialPort.get/set: a pty has no modem lines (ENOTTY); lowLatency, cts, dsr are ignored", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  const get = throws(() => port.get(), `Cannot read the modem lines of serial port ${pty.path}`);
  assertEquals(get.code, "ENOTTY");
  for (const flags of [{ dtr: true }, { rts: false }, { dtr: false, brk: true }]) {
    const set = throws(() => port.set(flags), "not a terminal");
    assertEquals(set.code, "ENOTTY");
  }
  // Linux takes a break on a tty whose driver has none (a pty) and does nothing.
  port.set({ brk: true });
  port.set({ brk: false });
  port.set({ cts: true, dsr: false, lowLatency: true });
  assertThrows(
    () => port.set({ dtr: 1 as unknown as boolean }),
    TypeError,
    "dtr must be a boolean",
  );
  fd.close(pty.master);
});

test("openSerial with a loop given: the port waits on that loop", async () => {
  using loop = new EventLoop();
  const pty = openPty();
  const port = openSerial(pty.path, { baudRate: 9600, loop });
  assert(port.loop === loop);
  const running = loop.run();
  const reading = port.read(new Uint8Array(4), 0, 4);
  fd.write(pty.master, text("x"));
  assertEquals(await reading, 1);
  await port.close();
  fd.close(pty.master);
  await running;
});
