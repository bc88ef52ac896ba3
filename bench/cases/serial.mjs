/**
 * Serial: `SerialPortStream` (`@serialport/stream`) with
 * `@serialport/parser-readline` over a pty whose master end is an echo
 * device (bench/c/pty_echo.c), on one of two bindings: evloop's
 * `SerialPortBinding` (Deno, Bun, Node 26) or `@serialport/bindings-cpp`
 * (the reference, under the system's Node 20, where its prebuilt addon
 * loads). Plain JavaScript so that Node 20, which runs no TypeScript, runs
 * the same code as the others.
 *
 * Four figures, in one process: the CPU the whole process uses over
 * IDLE_MS with nothing open (the runtime's own floor), then with the port
 * open and quiet (a read pending, as a stream keeps one), lines per second (LINES lines written as fast as the stream takes
 * them, every echoed line checked), and the median round trip of one line
 * (ROUND_TRIPS of them, one at a time).
 *
 * Usage: serial.mjs evloop|bindings-cpp BUILD_DIR LINES ROUND_TRIPS IDLE_MS;
 * prints {"lines_per_s": ..., "us_per_rt": ..., "cpu_pct": ..., "floor_pct": ...}.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";
import { createInterface } from "node:readline";
import { SerialPortStream } from "@serialport/stream";
import { ReadlineParser } from "@serialport/parser-readline";

const [variant, build, linesArg, rtArg, idleArg] = process.argv.slice(2);
const LINES = Number(linesArg);
const ROUND_TRIPS = Number(rtArg);
const IDLE_MS = Number(idleArg);

function emit(result) {
  console.log(JSON.stringify(result));
}

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function loadBinding() {
  if (variant === "evloop") return (await import("../../serial.ts")).SerialPortBinding;
  // bindings-cpp is CommonJS; its index re-exports through helpers that an
  // ES import cannot always see.
  const require = createRequire(import.meta.url);
  return require("@serialport/bindings-cpp").autoDetect();
}

/** Starts the echo device; resolves with it and the slave's path. */
async function startDevice() {
  const device = spawn(`${build}/bench_pty_echo`, [], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: device.stdout });
  const path = await new Promise((resolve, reject) => {
    lines.once("line", resolve);
    device.once("error", reject);
    device.once("exit", (code) => reject(new Error(`bench_pty_echo exited with ${code}`)));
  });
  lines.close();
  return { device, path };
}

function line(i) {
  return `${String(i).padStart(7, "0")} the quick brown fox jumps over`;
}

/** Writes LINES lines, honouring the stream's back-pressure; resolves with lines per second. */
async function throughput(port, parser) {
  let received = 0;
  let bad = 0;
  const t0 = performance.now();
  const done = new Promise((resolve) => {
    const onLine = (text) => {
      if (text !== line(received)) bad++;
      if (++received === LINES) {
        parser.off("data", onLine);
        resolve();
      }
    };
    parser.on("data", onLine);
  });
  const CHUNK = 500;
  for (let i = 0; i < LINES; i += CHUNK) {
    let text = "";
    for (let j = i; j < Math.min(LINES, i + CHUNK); j++) text += line(j) + "\n";
    if (!port.write(text)) await new Promise((r) => port.once("drain", r));
  }
  await done;
  const seconds = (performance.now() - t0) / 1000;
  if (bad !== 0) throw new Error(`${bad} of ${LINES} echoed lines differ from what was sent`);
  return LINES / seconds;
}

/** One line out and back, ROUND_TRIPS times; resolves with the median in µs. */
async function latency(port, parser) {
  const times = [];
  for (let i = 0; i < ROUND_TRIPS + ROUND_TRIPS / 10; i++) {
    const t0 = performance.now();
    const back = new Promise((r) => parser.once("data", r));
    port.write(`ping ${i}\n`);
    const text = await back;
    if (text !== `ping ${i}`) throw new Error(`round trip ${i}: got ${JSON.stringify(text)}`);
    if (i >= ROUND_TRIPS / 10) times.push((performance.now() - t0) * 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** CPU of the whole process over IDLE_MS with the port open and quiet. */
async function idleCpu() {
  // Let start-up work (JIT, GC) finish before measuring.
  await new Promise((r) => setTimeout(r, 100));
  const c0 = cpuMs();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  return (100 * (cpuMs() - c0)) / (performance.now() - t0);
}

if (!existsSync(`${build}/bench_pty_echo`)) {
  emit({ skipped: `${build}/bench_pty_echo is not built (EVLOOP_BENCH is off)` });
} else {
  const binding = await loadBinding();
  // The runtime's own idle cost, nothing open yet: the floor the port adds to.
  const floorPct = await idleCpu();
  const { device, path } = await startDevice();
  const port = new SerialPortStream({ binding, path, baudRate: 115200 });
  await new Promise((resolve, reject) => {
    port.once("open", resolve);
    port.once("error", reject);
  });
  const parser = port.pipe(new ReadlineParser({ delimiter: "\n" }));
  // Idle first: the port open with a read pending, before the other two
  // phases leave garbage for a collector to sweep while we measure.
  const cpuPct = await idleCpu();
  const linesPerS = await throughput(port, parser);
  const usPerRt = await latency(port, parser);
  await new Promise((resolve, reject) => port.close((err) => (err ? reject(err) : resolve())));
  device.stdin.end();
  await new Promise((r) => device.exitCode !== null ? r() : device.once("exit", r));
  emit({ lines_per_s: linesPerS, us_per_rt: usPerRt, cpu_pct: cpuPct, floor_pct: floorPct });
}
