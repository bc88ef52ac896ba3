// A serial device over a pseudo-terminal: `openPty()` gives the host's end
// (the master), the device opens the other end (the slave) with
// `openSerial()`, raw and at a baud rate, as a program opens /dev/ttyUSB0.
// The device answers a line protocol; the client sends 10,000 commands and
// checks every answer. Both sides write until the kernel's buffer is full,
// then wait for writability. Finally each side hangs up once and the other
// side sees it.
//   deno run --allow-ffi examples/serial_pty.ts   |   bun examples/serial_pty.ts
import { EventLoop, type EventLoopOptions, fd, SystemError } from "../mod.ts";
import { openPty as openPseudoTerminal, openSerial, type SerialPort } from "../serial.ts";

/** A pseudo-terminal pair: the host's master fd and the device's slave, a serial port. */
export interface Pty {
  master: number;
  slave: number;
  path: string;
  port: SerialPort;
}

/**
 * Opens a pty; the slave as a serial port on `loop` (raw: no echo, no line
 * editing, no CR/LF translation; 115200 baud, which a pty takes and ignores).
 */
export function openPty(loop: EventLoop): Pty {
  const { master, path } = openPseudoTerminal();
  const port = openSerial(path, { baudRate: 115200, loop });
  return { master, slave: port.fd, path, port };
}

/** Whether the slave's line discipline is raw now (read back from the terminal). */
export function isRaw(pty: Pty): boolean {
  return pty.port.readSettings().raw;
}

/**
 * Writes through a queue: as much as the fd takes now, the rest when the
 * loop says it is writable again.
 */
class Sender {
  waits = 0;
  #queue: Uint8Array[] = [];
  #loop: EventLoop;
  #fd: number;
  #watching = false;

  constructor(loop: EventLoop, fdNo: number) {
    this.#loop = loop;
    this.#fd = fdNo;
  }

  send(text: string): void {
    this.#queue.push(new TextEncoder().encode(text));
    if (!this.#watching) this.#flush();
  }

  get idle(): boolean {
    return this.#queue.length === 0;
  }

  stop(): void {
    if (this.#watching) this.#loop.removeWriter(this.#fd);
    this.#watching = false;
  }

  #flush = (): void => {
    while (this.#queue.length > 0) {
      const head = this.#queue[0];
      const n = fd.write(this.#fd, head);
      if (n === null) { // the kernel's buffer is full: wait for writability
        if (!this.#watching) {
          this.waits++;
          this.#loop.addWriter(this.#fd, this.#flush);
          this.#watching = true;
        }
        return;
      }
      if (n < head.length) this.#queue[0] = head.subarray(n);
      else this.#queue.shift();
    }
    this.stop();
  };
}

/** Splits a byte stream into lines. */
class Lines {
  #rest = "";
  push(chunk: Uint8Array): string[] {
    const text = this.#rest + new TextDecoder().decode(chunk);
    const lines = text.split("\n");
    this.#rest = lines.pop()!;
    return lines;
  }
}

/** Reads once: bytes, 0 at EOF, "EIO" when the other side hung up, null for EAGAIN. */
function readOrHangup(fdNo: number, buf: Uint8Array): number | "EIO" | null {
  try {
    return fd.read(fdNo, buf);
  } catch (error) {
    // A pty end whose other side is closed reads EIO (Linux).
    if (error instanceof SystemError && error.code === "EIO") return "EIO";
    throw error;
  }
}

function command(i: number): { line: string; answer: string } {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  let word = "";
  for (let k = 0; k < 1 + (i * 7) % 23; k++) word += letters[(i * 31 + k * 17) % 26];
  return {
    line: `CMD ${i} ${word}`,
    answer: `OK ${i} ${[...word].reverse().join("")} ${word.length}`,
  };
}

/** The device: answers `CMD <i> <word>` with `OK <i> <drow> <length>`. */
function startDevice(loop: EventLoop, slave: number, onHangup: (how: string) => void): Sender {
  const out = new Sender(loop, slave);
  const lines = new Lines();
  const buf = new Uint8Array(4096);
  loop.addReader(slave, () => {
    const n = readOrHangup(slave, buf);
    if (n === null) return;
    if (n === 0 || n === "EIO") {
      out.stop();
      loop.removeReader(slave);
      return onHangup(n === 0 ? "EOF" : "EIO");
    }
    for (const line of lines.push(buf.subarray(0, n))) {
      if (line === "BYE") {
        out.send("BYE\n");
        continue;
      }
      const [verb, i, word] = line.split(" ");
      if (verb !== "CMD") throw new Error(`device: bad line ${JSON.stringify(line)}`);
      out.send(`OK ${i} ${[...word].reverse().join("")} ${word.length}\n`);
    }
  });
  return out;
}

/** What a run saw. */
export interface SerialReport {
  commands: number;
  answersChecked: number;
  bytesSent: number;
  /** Times the client (master) found the kernel buffer full and waited. */
  clientWaits: number;
  /** Times the device (slave) did. */
  deviceWaits: number;
  /** What the client read once the device hung up ("EIO" on Linux, or "EOF"). */
  clientSawHangup: string;
  /** What the device read once the client hung up. */
  deviceSawHangup: string;
  raw: boolean;
}

/**
 * Runs `loop` until nothing is left to watch; the first exception thrown by
 * a callback stops it and is rethrown here.
 */
async function runChecked(loop: EventLoop): Promise<void> {
  let failure: { error: unknown } | undefined;
  loop.setExceptionHandler((error) => {
    failure ??= { error };
    loop.stop();
  });
  await loop.run();
  if (failure) throw failure.error;
}

/** How to run: the loops' mode, and where to say what happens (the demo's tour). */
export interface SerialOptions {
  mode?: EventLoopOptions["mode"];
  /** Called with a line at each milestone (pty opened, first answer, hang-ups). */
  log?: (line: string) => void;
}

/**
 * Sends `count` commands from the client and checks every answer; then the
 * device hangs up (client sees it), and on a second pty the client hangs
 * up (device sees it).
 */
export async function runSerial(count: number, options: SerialOptions = {}): Promise<SerialReport> {
  const report: SerialReport = {
    commands: count,
    answersChecked: 0,
    bytesSent: 0,
    clientWaits: 0,
    deviceWaits: 0,
    clientSawHangup: "",
    deviceSawHangup: "",
    raw: false,
  };
  const log = options.log ?? (() => {});
  await exchange(count, report, options.mode, log);
  await clientHangsUp(report, options.mode, log);
  return report;
}

/** `count` commands and answers, then the device hangs up. */
async function exchange(
  count: number,
  report: SerialReport,
  mode: SerialOptions["mode"],
  log: (line: string) => void,
): Promise<void> {
  using loop = new EventLoop({ mode });
  const pty = openPty(loop);
  report.raw = isRaw(pty);
  log(`pty ${pty.path} opened as a program opens /dev/ttyUSB0; raw mode: ${report.raw}`);
  const device = startDevice(loop, pty.slave, () => {
    throw new Error("device: the client hung up early");
  });
  const client = new Sender(loop, pty.master);
  const lines = new Lines();
  const buf = new Uint8Array(8192);
  let expecting = 0;
  loop.addReader(pty.master, () => {
    const n = readOrHangup(pty.master, buf);
    if (n === null) return;
    if (n === 0 || n === "EIO") {
      if (expecting <= count) throw new Error(`client: hang-up after ${expecting} answers`);
      report.clientSawHangup = n === 0 ? "EOF" : "EIO";
      log(`client read ${report.clientSawHangup}: it sees the device hang up`);
      client.stop();
      loop.removeReader(pty.master);
      return;
    }
    for (const line of lines.push(buf.subarray(0, n))) {
      if (expecting === count) {
        if (line !== "BYE") throw new Error(`client: expected BYE, got ${line}`);
        expecting++;
        log(`client <- BYE; the device hangs up (closes ${pty.path})`);
        // The device hangs up: it stops and closes its end.
        device.stop();
        loop.removeReader(pty.slave);
        void pty.port.close(); // on a loop of ours: the fd is closed at once
        continue;
      }
      const want = command(expecting).answer;
      if (line !== want) {
        throw new Error(`client: answer ${expecting} is ${line}, expected ${want}`);
      }
      if (expecting === 0) log(`client -> "${command(0).line}"  device -> "${line}"`);
      expecting++;
      report.answersChecked++;
      if (expecting === count) {
        log(`${count} answers checked; client -> BYE`);
        client.send("BYE\n");
      }
    }
  });
  // Everything at once: far more than the pty buffers, so writes wait.
  for (let i = 0; i < count; i++) {
    const line = `${command(i).line}\n`;
    report.bytesSent += line.length;
    client.send(line);
  }
  try {
    await runChecked(loop);
  } finally {
    fd.close(pty.master);
    if (pty.port.isOpen) await pty.port.close();
  }
  report.clientWaits = client.waits;
  report.deviceWaits = device.waits;
}

/** One command and answer on a new pty, then the client hangs up. */
async function clientHangsUp(
  report: SerialReport,
  mode: SerialOptions["mode"],
  log: (line: string) => void,
): Promise<void> {
  using loop = new EventLoop({ mode });
  const pty = openPty(loop);
  startDevice(loop, pty.slave, (how) => {
    report.deviceSawHangup = how;
    log(`device read ${how}: it sees the client hang up (a second pty)`);
  });
  const answers = new Lines();
  const buf = new Uint8Array(256);
  loop.addReader(pty.master, () => {
    const n = readOrHangup(pty.master, buf);
    if (n === null || n === "EIO" || n === 0) throw new Error("client: the device hung up");
    for (const line of answers.push(buf.subarray(0, n))) {
      if (line !== command(0).answer) throw new Error(`client: unexpected ${line}`);
      fd.close(pty.master); // the client hangs up (fd.close also removes the reader)
    }
  });
  fd.write(pty.master, new TextEncoder().encode(`${command(0).line}\n`));
  try {
    await runChecked(loop);
  } finally {
    await pty.port.close();
  }
  if (report.deviceSawHangup === "") throw new Error("device: never saw the hang-up");
}

if (import.meta.main) {
  const r = await runSerial(10_000);
  console.log(
    `serial: ${r.answersChecked}/${r.commands} answers checked (${r.bytesSent} bytes sent, ` +
      `raw=${r.raw}); writes waited for writability ${r.clientWaits} times (client), ` +
      `${r.deviceWaits} (device); device hang-up read as ${r.clientSawHangup} by the client, ` +
      `client hang-up as ${r.deviceSawHangup} by the device`,
  );
}
