// The serialport stack unchanged on SerialPortBinding: SerialPortStream
// (@serialport/stream) with ReadlineParser (@serialport/parser-readline),
// over a pty whose master end plays the device. Both packages are the
// user's choice, so dev dependencies here; they run under Deno, Bun and
// Node alike.
import { assert, assertEquals, assertInstanceOf } from "@std/assert";
import { SerialPortStream } from "@serialport/stream";
import { ReadlineParser } from "@serialport/parser-readline";
import { fd, SystemError } from "@evloop/evloop";
import { deviceLoop, holdDeviceLoop, openPty, SerialPortBinding } from "../serial.ts";
import { startEcho } from "./_serial_echo.ts";
import { test, within } from "./_harness.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Port = SerialPortStream<typeof SerialPortBinding>;

function openStream(path: string): Promise<Port> {
  return new Promise((resolve, reject) => {
    const port = new SerialPortStream({ binding: SerialPortBinding, path, baudRate: 115200 }, (
      error,
    ) => error ? reject(error) : resolve(port));
  });
}

function closeStream(port: Port): Promise<void> {
  return new Promise((resolve, reject) => port.close((error) => error ? reject(error) : resolve()));
}

/**
 * A line device on the pty's master: writes `out` (one line each) to the
 * port while it reads what the port sends until `inBytes` arrived.
 * Resolves with what it read.
 */
async function lineDevice(master: number, out: string[], inBytes: number): Promise<string> {
  const loop = deviceLoop();
  const release = holdDeviceLoop();
  try {
    const sending = (async () => {
      const data = encoder.encode(out.map((line) => line + "\n").join(""));
      for (let off = 0; off < data.length;) {
        const n = fd.write(master, data.subarray(off));
        if (n === null) await loop.writable(master);
        else off += n;
      }
    })();
    const received: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (let got = 0; got < inBytes;) {
      await loop.readable(master);
      const n = fd.read(master, buf);
      if (n === null) continue;
      assert(n > 0, "the port hung up early");
      received.push(buf.slice(0, n));
      got += n;
    }
    await sending;
    return decoder.decode(concat(received));
  } finally {
    release();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

test("SerialPortStream + ReadlineParser on SerialPortBinding: 10,000 lines each way, every byte checked", async () => {
  const N = 10_000;
  const { master, path } = openPty();
  const port = await openStream(path);
  const toDevice = Array.from({ length: N }, (_, i) => `port ${i} ${"x".repeat(i % 50)}`);
  const toPort = Array.from({ length: N }, (_, i) => `device ${i} ${"y".repeat((i * 7) % 60)}`);
  const parser = port.pipe(new ReadlineParser({ delimiter: "\n" }));
  const lines: string[] = [];
  const portGotAll = new Promise<void>((resolve) => {
    parser.on("data", (line: string) => {
      lines.push(line);
      if (lines.length === N) resolve();
    });
  });
  const inBytes = toDevice.reduce((n, line) => n + encoder.encode(line).length + 1, 0);
  const device = lineDevice(master, toPort, inBytes);
  for (const line of toDevice) {
    if (!port.write(line + "\n")) await new Promise((r) => port.once("drain", r));
  }
  const deviceGot = await within(device, 30_000, "the device reads 10,000 lines");
  await within(portGotAll, 30_000, "the port reads 10,000 lines");
  assertEquals(deviceGot, toDevice.map((line) => line + "\n").join(""));
  assertEquals(lines, toPort);
  await closeStream(port);
  fd.close(master);
});

test("SerialPortStream.drain() on SerialPortBinding waits for a 1 MiB write in flight", async () => {
  const { master, path } = openPty();
  const port = await openStream(path);
  const echo = startEcho(master);
  const size = 1 << 20;
  const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
  const back: Uint8Array[] = [];
  let backBytes = 0;
  const allBack = new Promise<void>((resolve) => {
    port.on("data", (chunk: Uint8Array) => {
      back.push(chunk);
      backBytes += chunk.length;
      if (backBytes === size) resolve();
    });
  });
  let written = false;
  port.write(data, () => {
    written = true;
  });
  // A pty takes a few KiB at a time: the write is still in flight here.
  assert(!written);
  await within(
    new Promise<void>((resolve, reject) =>
      port.drain((error) => error ? reject(error) : resolve())
    ),
    30_000,
    "drain() resolves",
  );
  assert(written, "drain() called back before the write did");
  await within(allBack, 30_000, "the echo of 1 MiB");
  assertEquals(concat(back), data);
  await closeStream(port);
  assertEquals(await echo.done, "hangup");
  fd.close(master);
});

test("SerialPortStream.update() on SerialPortBinding changes the baud rate, read back", async () => {
  const { master, path } = openPty();
  const port = await openStream(path);
  await new Promise<void>((resolve, reject) =>
    port.update({ baudRate: 57600 }, (error) => error ? reject(error) : resolve())
  );
  assertEquals(port.baudRate, 57600);
  assertEquals(await port.port!.getBaudRate(), { baudRate: 57600 });
  await closeStream(port);
  fd.close(master);
});

test("SerialPortStream on SerialPortBinding: a second open of a locked port is refused", async () => {
  const { master, path } = openPty();
  const port = await openStream(path);
  let error: unknown;
  try {
    await openStream(path);
  } catch (caught) {
    error = caught;
  }
  assertInstanceOf(error, SystemError);
  assertEquals(error.code, "EBUSY");
  assert(error.message.includes(path), error.message);
  assert(port.isOpen, "the first port stays open");
  await closeStream(port);
  fd.close(master);
});

test("SerialPortStream on SerialPortBinding: the device hanging up closes the stream with a disconnect error", async () => {
  const { master, path } = openPty();
  const port = await openStream(path);
  const closed = new Promise<Error | null>((resolve) => port.once("close", resolve));
  port.on("data", () => {}); // reading: the pending read sees the hang-up
  await new Promise<void>((resolve, reject) =>
    port.write("bye\n", (error) => error ? reject(error) : resolve())
  );
  fd.close(master); // the device goes away
  const error = await within(closed, 10_000, "the stream closes after the hang-up");
  assert(error !== null, "close carries the disconnect error");
  assertEquals((error as { disconnected?: boolean }).disconnected, true);
  assertEquals(port.isOpen, false);
});
