// SerialPortBinding against what serialport's own binding suite holds every
// binding to (bindings-cpp's lib/bindings.test.ts, behaviour by behaviour,
// in our words), on a pty whose master end is an echo device. Where a pty
// cannot do what a board does (modem lines), the test says what it gets.
import { assert, assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import { Buffer } from "node:buffer";
import { fd, SystemError } from "@evloop/evloop";
import { openPty, SerialPortBinding } from "../serial.ts";
import { startEcho } from "./_serial_echo.ts";
import { test } from "./_harness.ts";

const BAUD = 115200;

/** The options bindings.test.ts opens its port with. */
function suiteOptions(path: string) {
  return {
    path,
    baudRate: BAUD,
    dataBits: 8 as const,
    hupcl: false,
    lock: true,
    parity: "none",
    rtscts: false,
    stopBits: 1 as const,
    xany: false,
    xoff: false,
    xon: false,
  };
}

/** Opens a fresh pty, runs `fn` with it, and closes its master after. */
async function withPty(fn: (pty: { master: number; path: string }) => Promise<void>) {
  const pty = openPty();
  try {
    await fn(pty);
  } finally {
    fd.close(pty.master);
  }
}

/** Reads until `want` bytes are in, as a stream would (a read gives at least one). */
async function readExactly(port: SerialPortBinding, want: number): Promise<Uint8Array> {
  const out = new Uint8Array(want);
  for (let got = 0; got < want;) {
    const { bytesRead } = await port.read(out, got, want - got);
    assert(bytesRead >= 1 && bytesRead <= want - got, `bytesRead ${bytesRead}`);
    got += bytesRead;
  }
  return out;
}

// --- static list() and open() ------------------------------------------

test("SerialPortBinding.list() gives an array of ports with every field, none empty", async () => {
  const ports = await SerialPortBinding.list();
  assert(Array.isArray(ports));
  const fields = [
    "path",
    "manufacturer",
    "serialNumber",
    "pnpId",
    "locationId",
    "vendorId",
    "productId",
  ];
  for (const port of ports) {
    assertEquals(Object.keys(port).sort(), [...fields].sort());
    for (const [key, value] of Object.entries(port)) {
      assert(value !== "" && value !== null, `${port.path}: ${key} is ${JSON.stringify(value)}`);
    }
  }
});

test("SerialPortBinding.open() refuses bad options before touching a device", async () => {
  const cases: [string, unknown, new (...a: never[]) => Error, string][] = [
    ["no options", undefined, TypeError, "options"],
    ["options not an object", "COM1", TypeError, "options"],
    ["an array", [], TypeError, "options"],
    ["an empty path", { path: "", baudRate: BAUD }, TypeError, "path"],
    ["no baudRate", { path: "/dev/ttyS0" }, TypeError, "baudRate"],
    ["baudRate 0", { path: "/dev/ttyS0", baudRate: 0 }, TypeError, "baudRate"],
    ["baudRate NaN", { path: "/dev/ttyS0", baudRate: NaN }, TypeError, "baudRate"],
    ["baudRate a string", { path: "/dev/ttyS0", baudRate: "9600" }, TypeError, "baudRate"],
    ["dataBits 9", { path: "/dev/ttyS0", baudRate: BAUD, dataBits: 9 }, RangeError, "dataBits"],
    ["stopBits 3", { path: "/dev/ttyS0", baudRate: BAUD, stopBits: 3 }, RangeError, "stopBits"],
    [
      "an unknown parity",
      { path: "/dev/ttyS0", baudRate: BAUD, parity: "sometimes" },
      TypeError,
      "parity",
    ],
  ];
  for (const [what, options, type, word] of cases) {
    const error = await SerialPortBinding.open(options as never).then(() => null, (e) => e);
    assert(error instanceof type, `${what}: rejected with ${error}, not a ${type.name}`);
    assert(error.message.includes(word), `${what}: ${error.message}`);
  }
});

test("SerialPortBinding.open() rejects a path that does not exist, naming it", async () => {
  const error = await assertRejects(() =>
    SerialPortBinding.open({ path: "/dev/ttyEVLOOP-BAD", baudRate: BAUD })
  );
  assertInstanceOf(error, SystemError);
  assertEquals(error.code, "ENOENT");
  assert(error.message.includes("/dev/ttyEVLOOP-BAD"), error.message);
});

test("SerialPortBinding.open() rejects a file that is not a tty (ENOTTY), naming it", async () => {
  const error = await assertRejects(() =>
    SerialPortBinding.open({ path: "/dev/null", baudRate: BAUD })
  );
  assertInstanceOf(error, SystemError);
  assertEquals(error.code, "ENOTTY");
  assert(error.message.includes("/dev/null"), error.message);
});

test("SerialPortBinding.open() fills openOptions with bindings-cpp's defaults", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open({ path, baudRate: 9600 });
    assertEquals(port.openOptions, {
      path,
      baudRate: 9600,
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: "none",
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
    });
    await port.close();
  });
});

test("SerialPortBinding.open() keeps isOpen true until close()", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    assertEquals(port.isOpen, true);
    const closing = port.close();
    assertEquals(port.isOpen, false); // from the call on, as bindings-cpp's
    await closing;
    assertEquals(port.isOpen, false);
  });
});

test("SerialPortBinding.open() takes arbitrary baud rates and getBaudRate() reads them back", async () => {
  await withPty(async ({ path }) => {
    for (const baudRate of [25000, 1000000, 250000]) {
      const port = await SerialPortBinding.open({ ...suiteOptions(path), baudRate });
      assertEquals(port.isOpen, true);
      assertEquals(await port.getBaudRate(), { baudRate });
      await port.close();
    }
  });
});

test("SerialPortBinding.open() locks by default: a second open is refused until close", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    const error = await assertRejects(() => SerialPortBinding.open(suiteOptions(path)));
    assertInstanceOf(error, SystemError);
    assertEquals(error.code, "EBUSY");
    assert(error.message.includes(path), error.message);
    await port.close();
    const again = await SerialPortBinding.open(suiteOptions(path));
    await again.close();
  });
});

test("SerialPortBinding.open() with lock: false lets two ports share the device", async () => {
  await withPty(async ({ path }) => {
    const noLock = { ...suiteOptions(path), lock: false };
    const port = await SerialPortBinding.open(noLock);
    const port2 = await SerialPortBinding.open(noLock);
    assert(port.isOpen && port2.isOpen);
    await Promise.all([port.close(), port2.close()]);
  });
});

test("SerialPortBinding.open() discards what the device sent before the port was set up", async () => {
  await withPty(async ({ master, path }) => {
    // Another program had the port open; the device answered it.
    const first = await SerialPortBinding.open({ ...suiteOptions(path), lock: false });
    fd.write(master, new TextEncoder().encode("stale"));
    // Once a byte is readable the rest of that write is in the queue too.
    assertEquals((await first.read(new Uint8Array(1), 0, 1)).bytesRead, 1);
    const port = await SerialPortBinding.open({ ...suiteOptions(path), lock: false });
    await first.close();
    fd.write(master, new TextEncoder().encode("fresh"));
    const got = await readExactly(port, 5);
    assertEquals(new TextDecoder().decode(got), "fresh");
    await port.close();
  });
});

// --- close() -------------------------------------------------------------

test("SerialPortBinding.close() rejects when the port is already closed", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    await port.close();
    await assertRejects(() => port.close(), Error, "the port is closed");
  });
});

// --- update() ------------------------------------------------------------

test("SerialPortBinding.update() refuses no object, no baudRate, and a closed port", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    await assertRejects(() => port.update(undefined as never), TypeError, "options");
    await assertRejects(() => port.update({} as never), TypeError, "baudRate");
    await assertRejects(() => port.update({ baudRate: -1 }), RangeError, "baudRate");
    await port.close();
    await assertRejects(() => port.update({ baudRate: 57600 }), Error, "the port is closed");
  });
});

test("SerialPortBinding.update() changes the baud rate, read back by getBaudRate()", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    await port.update({ baudRate: 57600 });
    assertEquals(await port.getBaudRate(), { baudRate: 57600 });
    await port.update({ baudRate: 31250 }); // MIDI's: no Bxxx constant
    assertEquals(await port.getBaudRate(), { baudRate: 31250 });
    await port.close();
    await assertRejects(() => port.getBaudRate(), Error, "the port is closed");
  });
});

// --- read() --------------------------------------------------------------

test("SerialPortBinding.read() rejects on a closed port and on bad arguments", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    const buffer = new Uint8Array(5);
    await assertRejects(() => port.read("12345" as never, 0, 5), TypeError, "buffer");
    await assertRejects(() => port.read(buffer, NaN, 5), RangeError, "offset NaN");
    await assertRejects(() => port.read(buffer, 0, "5" as never), RangeError, "length 5");
    await assertRejects(() => port.read(buffer, 2, 5), RangeError, "within the buffer");
    await port.close();
    await assertRejects(() => port.read(buffer, 0, buffer.length), Error, "the port is closed");
  });
});

test("SerialPortBinding.read() reads back what write() sent through the echo device", async () => {
  await withPty(async ({ master, path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    const echo = startEcho(master);
    const sample = Buffer.from("12345");
    await port.write(sample);
    assertEquals(await readExactly(port, sample.length), new Uint8Array(sample));
    await port.close();
    assertEquals(await echo.done, "hangup");
  });
});

test("SerialPortBinding.read() returns at most length bytes, in the buffer it was given", async () => {
  await withPty(async ({ master, path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    const echo = startEcho(master);
    await port.write(Buffer.from("12345"));
    const buffer = Buffer.alloc(5);
    const { bytesRead, buffer: returned } = await port.read(buffer, 0, 1);
    assertEquals(bytesRead, 1);
    assert(returned === buffer, "the same buffer comes back");
    assertEquals([...buffer], [0x31, 0, 0, 0, 0]);
    // At an offset too.
    const rest = await port.read(buffer, 1, 4);
    assert(rest.bytesRead >= 1 && rest.bytesRead <= 4);
    assertEquals(
      buffer.subarray(1, 1 + rest.bytesRead).toString(),
      "2345".slice(0, rest.bytesRead),
    );
    await port.close();
    await echo.done;
  });
});

test("SerialPortBinding.read() pending at close() rejects with canceled: true", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    // Caught from the start: close() rejects it before close() resolves.
    const reading = port.read(new Uint8Array(100), 0, 100).then(() => null, (e) => e);
    await port.close();
    const error = await reading;
    assertInstanceOf(error, Error);
    assertEquals((error as { canceled?: boolean }).canceled, true);
  });
});

test("SerialPortBinding.read() rejects, not canceled, when the device hangs up", async () => {
  const { master, path } = openPty();
  const port = await SerialPortBinding.open(suiteOptions(path));
  const reading = port.read(new Uint8Array(100), 0, 100).then(() => null, (e) => e);
  fd.close(master); // the device goes away: the slave reads EIO
  const error = await reading;
  assertInstanceOf(error, SystemError);
  assertEquals(error.code, "EIO");
  assert(!(error as { canceled?: boolean }).canceled);
  await port.close();
});

// --- write() -------------------------------------------------------------

test("SerialPortBinding.write() refuses what is not bytes, and a closed port", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    await assertRejects(() => port.write(null as never), TypeError, "Uint8Array");
    await assertRejects(() => port.write("data!" as never), TypeError, "Uint8Array");
    await port.close();
    await assertRejects(() => port.write(Buffer.from("data!")), Error, "the port is closed");
  });
});

test("SerialPortBinding.write() resolves after small, 2 KiB and empty writes, every byte echoed", async () => {
  await withPty(async ({ master, path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    const echo = startEcho(master);
    const small = Buffer.from("simple write of 24 bytes");
    const large = new Uint8Array(2048).map((_, i) => i * 7);
    await port.write(small);
    await port.write(large);
    await port.write(new Uint8Array(0));
    const back = await readExactly(port, small.length + large.length);
    assertEquals(back.subarray(0, small.length), new Uint8Array(small));
    assertEquals(back.subarray(small.length), large);
    await port.close();
    await echo.done;
  });
});

// --- drain() and flush() ---------------------------------------------------

test("SerialPortBinding.drain() resolves on an open port and rejects on a closed one", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    await port.drain();
    await port.close();
    await assertRejects(() => port.drain(), Error, "the port is closed");
  });
});

test("SerialPortBinding.drain() waits for the write in progress to finish", async () => {
  await withPty(async ({ master, path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    const echo = startEcho(master);
    let finishedWrite = false;
    // More than a pty takes at once, so the write must wait for the device.
    const size = 1 << 20;
    const write = port.write(new Uint8Array(size)).then(() => {
      finishedWrite = true;
    });
    const reading = readExactly(port, size);
    await port.drain();
    assert(finishedWrite, "drain() resolved before the write did");
    await write;
    assertEquals((await reading).length, size);
    await port.close();
    await echo.done;
  });
});

test("SerialPortBinding.flush() resolves on an open port and rejects on a closed one", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    await port.flush();
    await port.close();
    await assertRejects(() => port.flush(), Error, "the port is closed");
  });
});

test("SerialPortBinding.flush() discards bytes received but not read", async () => {
  await withPty(async ({ master, path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    fd.write(master, new TextEncoder().encode("old"));
    // The pty moves bytes to the slave's queue asynchronously: wait until
    // they are there (a read of 0 bytes would block), then flush them.
    const peek = await port.read(new Uint8Array(1), 0, 1);
    assertEquals(peek.bytesRead, 1);
    await port.flush();
    fd.write(master, new TextEncoder().encode("new"));
    assertEquals(new TextDecoder().decode(await readExactly(port, 3)), "new");
    await port.close();
  });
});

// --- set() and get(): a pty has no modem lines ------------------------------

test("SerialPortBinding.set() refuses no object and a closed port; a pty says ENOTTY", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    await assertRejects(() => port.set(undefined as never), TypeError, "options");
    // What bindings-cpp gets on a pty too: the pty driver has no modem
    // control lines (no tiocmset), so TIOCMSET fails.
    const error = await assertRejects(() =>
      port.set({ brk: false, cts: false, dtr: true, rts: true })
    );
    assertInstanceOf(error, SystemError);
    assertEquals(error.code, "ENOTTY");
    assert(port.isOpen, "a failed set() leaves the port open");
    await port.close();
    await assertRejects(() => port.set({ dtr: true }), Error, "the port is closed");
  });
});

test("SerialPortBinding.get() rejects on a closed port; a pty says ENOTTY", async () => {
  await withPty(async ({ path }) => {
    const port = await SerialPortBinding.open(suiteOptions(path));
    const error = await assertRejects(() => port.get());
    assertInstanceOf(error, SystemError);
    assertEquals(error.code, "ENOTTY");
    await port.close();
    await assertRejects(() => port.get(), Error, "the port is closed");
  });
});
