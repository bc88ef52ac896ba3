// SerialPort on a pseudo-terminal: open, configure and read back (any
// baud rate), raw bytes both ways, modem lines refused on a pty, the lock,
// flush, drain with a slow reader, hang-up, close while a read waits.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  deviceLoop,
  fd,
  holdDeviceLoop,
  openPty,
  openSerial,
  SerialPort,
  SystemError,
} from "../serial.ts";
import { DEFAULT_SETTINGS } from "../src/devices/serial_options.ts";
import process from "node:process";
import { EventLoop } from "../mod.ts";
import { runNative, scriptCommand, test } from "./_harness.ts";
import { spawnSync } from "node:child_process";

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
  const reading = rejects(() => port.read(new Uint8Array(8), 0, 8), "the port was closed");
  await port.close();
  const error = await reading;
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
  const get = throws(() => port.get(), "");
  assertEquals(
    get.message,
    `Cannot read the modem lines of serial port ${pty.path}: the device has no modem lines (a pseudo-terminal has none) (ENOTTY)`,
  );
  assertEquals([get.code, get.syscall], ["ENOTTY", "ioctl TIOCMGET"]);
  for (const flags of [{ dtr: true }, { rts: false }, { dtr: false, brk: true }]) {
    const set = throws(() => port.set(flags), "");
    assertEquals(
      set.message,
      `Cannot set the modem lines of serial port ${pty.path}: the device has no modem lines (a pseudo-terminal has none) (ENOTTY)`,
    );
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

test("el_tty_* on a pty, natively (tests/c/tty.c)", () => {
  runNative("tty");
});

test("SerialPort.flush: what the device sent and the port has not read is dropped", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  fd.write(pty.master, text("stale"));
  // The bytes reach the slave's queue through the pty's flip buffer.
  await port.loop.readable(port.fd);
  port.flush();
  fd.write(pty.master, text("fresh"));
  const buf = new Uint8Array(16);
  const n = await port.read(buf, 0, 16);
  assertEquals(new TextDecoder().decode(buf.subarray(0, n)), "fresh");
  fd.close(pty.master);
});

test("SerialPort.drain: resolves at once with nothing queued", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  await port.drain();
  fd.close(pty.master);
});

test("SerialPort.drain: waits for a 1 MiB write the device reads slowly, without blocking the thread", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  const data = new Uint8Array(1 << 20).map((_, i) => i * 7);
  let written = false;
  const writing = port.write(data).then(() => written = true);
  // What the device had not read yet when drain resolved.
  let unreadAtDrain = -1;
  let n = 0;
  const draining = port.drain().then(() => {
    assert(written, "drain resolved before the write handed over its last byte");
    unreadAtDrain = data.length - n;
  });
  // The device reads 64 KiB per timer tick: the thread stays free meanwhile
  // (these timers run), and drain resolves only once the write is done.
  const got = new Uint8Array(data.length);
  let ticks = 0;
  while (n < data.length) {
    await new Promise((r) => setTimeout(r, 1));
    ticks++;
    for (let k = 0; k < 16 && n < data.length; k++) {
      const r = fd.read(pty.master, got.subarray(n, Math.min(n + 4096, data.length)));
      if (r === null) break;
      n += r;
    }
  }
  await writing;
  await draining;
  assert(ticks > 10, `the device read it all in ${ticks} ticks`);
  // A pty's "line" is the master's input queue (TIOCOUTQ on the slave does
  // not count it): what drain leaves is at most that queue.
  assert(unreadAtDrain >= 0 && unreadAtDrain <= 65536, `unread at drain: ${unreadAtDrain}`);
  assertEquals(got, data);
  fd.close(pty.master);
});

test("SerialPort.close: a drain waiting for a write rejects with canceled: true", async () => {
  const pty = openPty();
  const port = openSerial(pty.path, { baudRate: 9600 });
  const writing = port.write(new Uint8Array(1 << 20));
  const draining = port.drain();
  await new Promise((r) => setTimeout(r, 5));
  const drainFails = rejects(() => draining, "Cannot drain serial port");
  const writeFails = rejects(() => writing, "Cannot write to serial port");
  await port.close();
  assertEquals((await drainFails).canceled, true);
  assertEquals((await writeFails).canceled, true);
  fd.close(pty.master);
});

test("SerialPort.drain: an abort signal ends it with the signal's reason", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  const writing = port.write(new Uint8Array(1 << 20));
  const controller = new AbortController();
  const draining = port.drain({ signal: controller.signal });
  controller.abort(new Error("enough"));
  await assertRejects(() => draining, Error, "enough");
  port.flush();
  // The write still waits for the device: closing cancels it.
  const writeFails = assertRejects(() => writing, SystemError, "the port was closed");
  await port.close();
  await writeFails;
  fd.close(pty.master);
});

test("openSerial lock: a second open is refused (EBUSY, naming the path); lock: false opens; close lets go", async () => {
  const pty = openPty();
  const first = openSerial(pty.path, { baudRate: 9600 });
  const error = throws(
    () => openSerial(pty.path, { baudRate: 9600 }),
    `Cannot open serial port ${pty.path}`,
  );
  assertEquals(error.code, "EBUSY");
  assert(error.message.includes("locked"), error.message);
  await first.close();
  const second = openSerial(pty.path, { baudRate: 9600 });
  await second.close();
  const a = openSerial(pty.path, { baudRate: 9600, lock: false });
  const b = openSerial(pty.path, { baudRate: 9600, lock: false });
  await a.close();
  await b.close();
  fd.close(pty.master);
});

test("SerialPort.write/drain after close: a clear error", async () => {
  const pty = openPty();
  const port = openSerial(pty.path, { baudRate: 9600 });
  await port.close();
  const w = await rejects(
    () => port.write(text("x")),
    `Cannot write to serial port ${pty.path}: the port is closed`,
  );
  assertEquals(w.code, "EBADF");
  const d = await rejects(
    () => port.drain(),
    `Cannot drain serial port ${pty.path}: the port is closed`,
  );
  assertEquals(d.code, "EBADF");
  throws(() => port.configure({ baudRate: 9600 }), "the port is closed");
  throws(() => port.getBaudRate(), "the port is closed");
  fd.close(pty.master);
});

test("SerialPort.writable and readable: an echo through the master, in order", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  const writer = port.writable.getWriter();
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join("");
  const writing = writer.write(text(lines));
  const echoed = await readMaster(pty.master, lines.length);
  await writing;
  fd.write(pty.master, echoed);
  const reader = port.readable.getReader();
  let got = "";
  const decoder = new TextDecoder();
  while (got.length < lines.length) got += decoder.decode((await reader.read()).value);
  assertEquals(got, lines);
  reader.releaseLock();
  writer.releaseLock();
  fd.close(pty.master);
});

test("SerialPort.readable: cancelling it ends its pending read; port.read then gets the next bytes", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  const reader = port.readable.getReader();
  const pending = reader.read();
  await reader.cancel();
  assertEquals((await pending).done, true);
  fd.write(pty.master, text("next"));
  const buf = new Uint8Array(8);
  const n = await port.read(buf, 0, 8);
  assertEquals(new TextDecoder().decode(buf.subarray(0, n)), "next");
  fd.close(pty.master);
});

test("SerialPort.write: a hung-up device (master closed) rejects with EIO, disconnected, naming the port", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 9600 });
  fd.close(pty.master);
  const error = await rejects(
    () => port.write(text("anyone?")),
    `Cannot write to serial port ${pty.path}: the device hung up (EIO)`,
  );
  assertEquals(error.disconnected, true);
});

test("SerialPort.drain: polls the output queue until it is empty (TIOCOUTQ is SIOCOUTQ on a socket)", async () => {
  // A pty's slave never queues output (TIOCOUTQ is 0 once a write
  // returns), a Unix socket does until its peer reads: the port's own
  // constructor over a socketpair exercises the polling.
  if (process.platform !== "linux") return;
  const [a, b] = fd.socketpair();
  const port = new SerialPort(
    a,
    "socketpair",
    { ...DEFAULT_SETTINGS, baudRate: 9600 },
    false,
    deviceLoop(),
    holdDeviceLoop(),
  );
  await port.write(new Uint8Array(4096).fill(7));
  let drained = false;
  const draining = port.drain().then(() => drained = true);
  await new Promise((r) => setTimeout(r, 30));
  assert(!drained, "drain resolved with 4096 bytes unread by the peer");
  const buf = new Uint8Array(8192);
  assertEquals(fd.read(b, buf), 4096);
  await draining;
  assert(drained);
  await port.close();
  fd.close(b);
});

test("the device loop: a program whose last port is closed exits by itself", () => {
  const [cmd, args] = scriptCommand(new URL("./fixtures/serial_exit.ts", import.meta.url).pathname);
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  assertEquals(r.signal, null, "it was still running after 30 s");
  assertEquals(r.status, 0, r.stderr);
  assertEquals(r.stdout, "read 3 bytes\nclosed\n");
});

test("SerialPort streams: 10,000 lines each way at once, every byte checked", async () => {
  const pty = openPty();
  await using port = openSerial(pty.path, { baudRate: 115200 });
  const loop = port.loop; // the device loop: the master waits on it too
  const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i} ${"x".repeat(i % 37)}`);
  const payload = text(lines.map((l) => `${l}\n`).join(""));
  // Port -> master, through the writable.
  const writer = port.writable.getWriter();
  const sending = writer.write(payload).then(() => writer.releaseLock());
  // Master -> port, the master's writes waiting for writability.
  const feeding = (async () => {
    let off = 0;
    while (off < payload.length) {
      const n = fd.write(pty.master, payload.subarray(off, off + 4096));
      if (n === null) await loop.writable(pty.master);
      else off += n;
    }
  })();
  // The master reads what the port sent; the port reads lines.
  const draining = (async () => {
    const got = new Uint8Array(payload.length);
    let n = 0;
    while (n < got.length) {
      const r = fd.read(pty.master, got.subarray(n));
      if (r === null) await loop.readable(pty.master);
      else n += r;
    }
    return got;
  })();
  const received: string[] = [];
  let rest = "";
  const decoder = new TextDecoder();
  const reader = port.readable.getReader();
  while (received.length < lines.length) {
    const { value } = await reader.read();
    const parts = (rest + decoder.decode(value, { stream: true })).split("\n");
    rest = parts.pop()!;
    received.push(...parts);
  }
  await reader.cancel();
  await Promise.all([sending, feeding]);
  assertEquals(await draining, payload);
  assertEquals(received, lines);
  assertEquals(rest, "");
  fd.close(pty.master);
});
