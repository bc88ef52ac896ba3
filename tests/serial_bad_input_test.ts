// Bad input to the serial entry point gets a clear error and leaves
// nothing open: one table, a row per bad call, each asserting the error's
// class, code and message, and that no fd was left behind (/proc/self/fd
// before and after). No crash and no hang in any row.
import { assert, assertEquals, assertInstanceOf } from "@std/assert";
import { fd, openPty, openSerial, type SerialPort, SystemError } from "../serial.ts";
import { newFds, openFds, test } from "./_harness.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type ErrorClass = new (...args: never[]) => Error;

/** A row: what to do (with a fresh pty, closed afterwards) and what it must throw. */
interface Row {
  name: string;
  run: (pty: { master: number; path: string }) => unknown;
  throws: ErrorClass;
  message: string | ((path: string) => string);
  code?: string;
}

const dir = mkdtempSync(join(tmpdir(), "evloop-serial-"));
const regularFile = join(dir, "not-a-tty");
writeFileSync(regularFile, "plain file");

const closedPort = async (path: string): Promise<SerialPort> => {
  const port = openSerial(path, { baudRate: 9600 });
  await port.close();
  return port;
};

const ROWS: Row[] = [
  {
    name: "a path that does not exist",
    run: () => openSerial("/dev/ttyNOPE9", { baudRate: 9600 }),
    throws: SystemError,
    message: "Cannot open serial port /dev/ttyNOPE9: No such file or directory (ENOENT)",
    code: "ENOENT",
  },
  {
    name: "not a tty: /dev/null",
    run: () => openSerial("/dev/null", { baudRate: 9600 }),
    throws: SystemError,
    message: "Cannot open serial port /dev/null: it is not a terminal (ENOTTY)",
    code: "ENOTTY",
  },
  {
    name: "not a tty: a regular file",
    run: () => openSerial(regularFile, { baudRate: 9600 }),
    throws: SystemError,
    message: `Cannot open serial port ${regularFile}: it is not a terminal (ENOTTY)`,
    code: "ENOTTY",
  },
  {
    name: "a directory",
    run: () => openSerial(dir, { baudRate: 9600 }),
    throws: SystemError,
    message: `Cannot open serial port ${dir}: Is a directory (EISDIR)`,
    code: "EISDIR",
  },
  {
    name: "the path not a string",
    run: () => openSerial(3 as unknown as string, { baudRate: 9600 }),
    throws: TypeError,
    message: "Cannot open serial port 3: the path must be a string, got number 3",
  },
  {
    name: "no options",
    run: (p) => openSerial(p.path, undefined as unknown as { baudRate: number }),
    throws: TypeError,
    message: (path) =>
      `Cannot open serial port ${path}: the options must be an object, got undefined`,
  },
  {
    name: "no baudRate",
    run: (p) => openSerial(p.path, {} as { baudRate: number }),
    throws: TypeError,
    message: (path) => `Cannot open serial port ${path}: baudRate must be a number, got undefined`,
  },
  ...[0, -1, 1.5, NaN, Infinity, 2 ** 31].map((baudRate): Row => ({
    name: `baudRate ${baudRate}`,
    run: (p) => openSerial(p.path, { baudRate }),
    throws: RangeError,
    message: (path) =>
      `Cannot open serial port ${path}: baudRate must be a positive integer, got ${baudRate}`,
  })),
  {
    name: 'baudRate "9600"',
    run: (p) => openSerial(p.path, { baudRate: "9600" as unknown as number }),
    throws: TypeError,
    message: (path) =>
      `Cannot open serial port ${path}: baudRate must be a number, got the string "9600"`,
  },
  {
    name: "dataBits 9",
    run: (p) => openSerial(p.path, { baudRate: 9600, dataBits: 9 as 8 }),
    throws: RangeError,
    message: (path) => `Cannot open serial port ${path}: dataBits must be 5, 6, 7 or 8, got 9`,
  },
  {
    name: 'dataBits "8"',
    run: (p) => openSerial(p.path, { baudRate: 9600, dataBits: "8" as unknown as 8 }),
    throws: TypeError,
    message: (path) =>
      `Cannot open serial port ${path}: dataBits must be a number, got the string "8"`,
  },
  {
    name: 'parity "weird"',
    run: (p) => openSerial(p.path, { baudRate: 9600, parity: "weird" as "none" }),
    throws: TypeError,
    message: (path) =>
      `Cannot open serial port ${path}: parity must be one of "none", "even", "odd", "mark", "space", got the string "weird"`,
  },
  {
    name: "stopBits 3",
    run: (p) => openSerial(p.path, { baudRate: 9600, stopBits: 3 as 2 }),
    throws: RangeError,
    message: (path) => `Cannot open serial port ${path}: stopBits must be 1, 1.5 or 2, got 3`,
  },
  {
    name: 'rtscts "yes"',
    run: (p) => openSerial(p.path, { baudRate: 9600, rtscts: "yes" as unknown as boolean }),
    throws: TypeError,
    message: (path) =>
      `Cannot open serial port ${path}: rtscts must be a boolean, got the string "yes"`,
  },
  {
    name: "lock 1",
    run: (p) => openSerial(p.path, { baudRate: 9600, lock: 1 as unknown as boolean }),
    throws: TypeError,
    message: (path) => `Cannot open serial port ${path}: lock must be a boolean, got number 1`,
  },
  {
    name: "loop not a loop",
    run: (p) => openSerial(p.path, { baudRate: 9600, loop: {} as never }),
    throws: TypeError,
    message: (path) =>
      `Cannot open serial port ${path}: loop must be an EventLoop or an IOLoop, got Object`,
  },
  {
    name: "open twice with lock",
    run: async (p) => {
      const first = openSerial(p.path, { baudRate: 9600 });
      try {
        openSerial(p.path, { baudRate: 9600 });
      } finally {
        await first.close();
      }
    },
    throws: SystemError,
    message: (path) =>
      `Cannot open serial port ${path}: it is locked by another open file (opened with lock: true, or by another program) (EBUSY)`,
    code: "EBUSY",
  },
  {
    name: "configure with baudRate 0 (nothing changes)",
    run: async (p) => {
      await using port = openSerial(p.path, { baudRate: 9600 });
      try {
        port.configure({ baudRate: 0 });
      } finally {
        assertEquals(port.getBaudRate(), 9600);
      }
    },
    throws: RangeError,
    message: (path) =>
      `Cannot configure serial port ${path}: baudRate must be a positive integer, got 0`,
  },
  {
    name: "configure with a bad parity after a good baud rate (nothing changes)",
    run: async (p) => {
      await using port = openSerial(p.path, { baudRate: 9600 });
      try {
        port.configure({ baudRate: 19200, parity: "weird" as "none" });
      } finally {
        assertEquals(port.getBaudRate(), 9600);
      }
    },
    throws: TypeError,
    message: (path) => `Cannot configure serial port ${path}: parity must be one of`,
  },
  {
    name: "write after close",
    run: async (p) => (await closedPort(p.path)).write(new Uint8Array(1)),
    throws: SystemError,
    message: (path) => `Cannot write to serial port ${path}: the port is closed (EBADF)`,
    code: "EBADF",
  },
  {
    name: "drain after close",
    run: async (p) => (await closedPort(p.path)).drain(),
    throws: SystemError,
    message: (path) => `Cannot drain serial port ${path}: the port is closed (EBADF)`,
    code: "EBADF",
  },
  {
    name: "read after close",
    run: async (p) => (await closedPort(p.path)).read(new Uint8Array(1), 0, 1),
    throws: SystemError,
    message: (path) => `Cannot read from serial port ${path}: the port is closed (EBADF)`,
    code: "EBADF",
  },
  {
    name: "close twice",
    run: async (p) => (await closedPort(p.path)).close(),
    throws: SystemError,
    message: (path) => `Cannot close serial port ${path}: the port is closed (EBADF)`,
    code: "EBADF",
  },
  {
    name: "write a string",
    run: async (p) => {
      await using port = openSerial(p.path, { baudRate: 9600 });
      await port.write("text" as unknown as Uint8Array);
    },
    throws: TypeError,
    message: (path) =>
      `Cannot write to serial port ${path}: the data must be a Uint8Array, got the string "text"`,
  },
  {
    name: "read past the buffer",
    run: async (p) => {
      await using port = openSerial(p.path, { baudRate: 9600 });
      await port.read(new Uint8Array(4), 2, 4);
    },
    throws: RangeError,
    message: (path) =>
      `Cannot read from serial port ${path}: offset 2 and length 4 must lie within the buffer's 4 bytes`,
  },
  {
    name: "set a flag that is not a boolean",
    run: async (p) => {
      await using port = openSerial(p.path, { baudRate: 9600 });
      port.set({ rts: "on" as unknown as boolean });
    },
    throws: TypeError,
    message: (path) =>
      `Cannot set the modem lines of serial port ${path}: rts must be a boolean, got the string "on"`,
  },
];

for (const row of ROWS) {
  test(`serial bad input: ${row.name}`, async () => {
    const pty = openPty();
    const before = openFds();
    let caught: unknown;
    try {
      await row.run(pty);
    } catch (error) {
      caught = error;
    }
    assertEquals(newFds(before), [], "an fd was left open");
    fd.close(pty.master);
    assert(caught !== undefined, "no error was thrown");
    assertInstanceOf(caught, row.throws);
    const message = typeof row.message === "string" ? row.message : row.message(pty.path);
    assert(
      (caught as Error).message.startsWith(message),
      `message ${JSON.stringify((caught as Error).message)} does not start with ${
        JSON.stringify(message)
      }`,
    );
    if (row.code !== undefined) assertEquals((caught as SystemError).code, row.code);
  });
}

test("serial bad input: the temporary files go", () => {
  rmSync(dir, { recursive: true });
});
