// A PRI file: the GPIO pattern. Some kernel files say "changed" through
// poll's PRI bit and are re-read from offset 0 (pread) on each change:
// GPIO sysfs `value` files (with an `edge` set), and cgroup v2's
// `cgroup.events`. This example makes its own cgroup, moves a process in,
// freezes and thaws it, kills it, and checks that every change of
// `cgroup.events` was seen, in order. It needs write access to a cgroup v2
// hierarchy (root, or a delegated subtree).
//
// The same `watchPriFile` drives a GPIO line (`watchGpio`), and
// `watchEvdev` reads input events (`/dev/input/event*`, a plain READ fd).
// This machine's kernel has neither evdev/uinput nor gpio-sim, so those two
// are shown, not run here.
//   deno run -A examples/pri_file.ts   |   bun examples/pri_file.ts
import { EventLoop, fd, IOEvents, NativeLibrary } from "../mod.ts";
import { spawn } from "node:child_process";
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";

const libc = NativeLibrary.open("libc.so.6", {
  pread: { parameters: ["i32", "buffer", "usize", "isize"], result: "isize", errno: true },
});

/**
 * Watches a PRI file: opens it non-blocking, reads it once, then calls
 * `onChange(text)` with its whole content each time the kernel reports a
 * change (PRI, with ERR: that is how sysfs says it, not a failure).
 * Reading at offset 0 also re-arms the notification. Returns a function
 * that stops watching and closes the file.
 */
export function watchPriFile(
  loop: EventLoop,
  path: string,
  onChange: (text: string) => void,
): () => void {
  const file = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = new Uint8Array(4096);
  const readAll = () => {
    const n = libc.symbols.pread(file, buf, buf.length, 0);
    if (n < 0) throw new Error(`pread ${path} failed: errno ${libc.errno}`);
    return new TextDecoder().decode(buf.subarray(0, n));
  };
  readAll(); // the first read arms it: PRI means "changed since this read"
  // PRI only: the file is always "readable", so READ would fire without end.
  const watch = loop.watch(file, IOEvents.PRI, (events) => {
    if ((events & IOEvents.PRI) !== 0) onChange(readAll());
  });
  return () => {
    if (watch.cancelled) return;
    watch.cancel();
    closeSync(file);
  };
}

/**
 * The GPIO line `n` through sysfs: the same PRI file, once the line is
 * exported with an edge (`echo both > /sys/class/gpio/gpioN/edge`).
 * Calls `onEdge(level)` with 0 or 1. (The character device,
 * /dev/gpiochipN, is a READ fd of `struct gpio_v2_line_event` instead.)
 */
export function watchGpio(loop: EventLoop, n: number, onEdge: (level: number) => void): () => void {
  return watchPriFile(
    loop,
    `/sys/class/gpio/gpio${n}/value`,
    (text) => onEdge(Number(text.trim())),
  );
}

/** One `struct input_event` (64-bit: timeval, type, code, value: 24 bytes). */
export interface InputEvent {
  seconds: number;
  microseconds: number;
  type: number;
  code: number;
  value: number;
}

/** Parses the `struct input_event`s in `buf[0, n)`. */
export function parseInputEvents(buf: Uint8Array, n: number): InputEvent[] {
  const view = new DataView(buf.buffer, buf.byteOffset, n);
  const out: InputEvent[] = [];
  for (let at = 0; at + 24 <= n; at += 24) {
    out.push({
      seconds: Number(view.getBigInt64(at, true)),
      microseconds: Number(view.getBigInt64(at + 8, true)),
      type: view.getUint16(at + 16, true),
      code: view.getUint16(at + 18, true),
      value: view.getInt32(at + 20, true),
    });
  }
  return out;
}

/** Reads an evdev device (/dev/input/eventN): a plain READ fd. */
export function watchEvdev(
  loop: EventLoop,
  path: string,
  onEvent: (event: InputEvent) => void,
): () => void {
  const dev = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = new Uint8Array(24 * 64);
  const watch = loop.watch(dev, IOEvents.READ, () => {
    const n = fd.read(dev, buf);
    if (n !== null) parseInputEvents(buf, n).forEach(onEvent);
  });
  return () => {
    watch.cancel();
    closeSync(dev);
  };
}

/** Where cgroup v2 is mounted (`/sys/fs/cgroup`, or `.../unified` on hybrid systems). */
export function cgroup2Root(): string | null {
  for (const line of readFileSync("/proc/self/mounts", "utf8").split("\n")) {
    const [, mountPoint, type] = line.split(" ");
    if (type === "cgroup2") return mountPoint;
  }
  return null;
}

/** Why the cgroup run cannot happen here, or null when it can. */
export function cgroupUnavailable(): string | null {
  const root = cgroup2Root();
  if (root === null) return "no cgroup v2 hierarchy is mounted";
  const probe = join(root, `evloop-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (error) {
    return `cannot make a cgroup under ${root}: ${(error as Error).message}`;
  }
  return null;
}

/** What the run saw. */
export interface PriReport {
  /** The distinct states seen, in order: "populated frozen". */
  states: string[];
  /** PRI notifications (a change may notify more than once). */
  notifications: number;
}

/** How to run: the loop's mode, and who hears each change (the demo's tour). */
export interface CgroupOptions {
  mode?: "hosted" | "exclusive";
  /** Called with the cgroup made, before the first step. */
  onCgroup?: (dir: string) => void;
  /** Called with each new state, and what was done to cause it. */
  onChange?: (state: string, cause: string) => void;
}

function state(text: string): string {
  const fields = Object.fromEntries(text.trim().split("\n").map((l) => l.split(" ")));
  return `populated ${fields.populated} frozen ${fields.frozen}`;
}

/**
 * `rounds` times: move a `sleep` into a new cgroup, freeze, thaw, kill it.
 * Each step starts once the previous change was seen through PRI.
 */
export async function runCgroupEvents(
  rounds: number,
  options: CgroupOptions = {},
): Promise<PriReport> {
  const root = cgroup2Root();
  if (root === null) throw new Error("no cgroup v2 hierarchy is mounted");
  const dir = join(root, `evloop-example-${process.pid}`);
  mkdirSync(dir);
  options.onCgroup?.(dir);
  using loop = new EventLoop({ mode: options.mode });
  const report: PriReport = { states: [], notifications: 0 };
  let child: ReturnType<typeof spawn> | undefined;
  let cause = "";
  const steps: [string, () => void][] = [];
  for (let r = 0; r < rounds; r++) {
    steps.push(
      ["populated 1 frozen 0", () => {
        child = spawn("sleep", ["60"], { stdio: "ignore" });
        writeFileSync(join(dir, "cgroup.procs"), `${child.pid}\n`);
        cause = `sleep (pid ${child.pid}) moved in`;
      }],
      ["populated 1 frozen 1", () => {
        writeFileSync(join(dir, "cgroup.freeze"), "1\n");
        cause = "cgroup.freeze <- 1";
      }],
      ["populated 1 frozen 0", () => {
        writeFileSync(join(dir, "cgroup.freeze"), "0\n");
        cause = "cgroup.freeze <- 0";
      }],
      ["populated 0 frozen 0", () => {
        child!.kill("SIGKILL");
        cause = "sleep killed";
      }],
    );
  }
  const expected = steps.map(([after]) => after);
  let failure: Error | undefined;
  let last = "populated 0 frozen 0";
  let done = 0;
  let stop = () => {};
  const next = () => {
    if (done === steps.length) return stop(); // nothing left: run() resolves
    steps[done][1]();
  };
  stop = watchPriFile(loop, join(dir, "cgroup.events"), (text) => {
    report.notifications++;
    const now = state(text);
    if (now === last) return; // notified, but no field we track changed
    report.states.push(now);
    last = now;
    options.onChange?.(now, cause);
    if (now !== expected[done]) {
      failure = new Error(`cgroup.events: ${now} after step ${done}, expected ${expected[done]}`);
      return stop();
    }
    done++;
    next();
  });
  // A safety net only: each step waits for its event, never for time.
  const safety = setTimeout(() => {
    failure = new Error(`timed out after ${report.states.length} changes`);
    stop();
  }, 30_000);
  loop.callSoon(next);
  try {
    await loop.run(); // until the watch is cancelled
  } finally {
    clearTimeout(safety);
    stop();
    child?.kill("SIGKILL");
    writeFileSync(join(dir, "cgroup.freeze"), "0\n");
    // The cgroup can go once its last process has exited.
    for (let i = 0; i < 100 && existsSync(dir); i++) {
      try {
        rmdirSync(dir);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
  if (failure) throw failure;
  return report;
}

if (import.meta.main) {
  const reason = cgroupUnavailable();
  if (reason !== null) {
    console.log(`skipped: ${reason}`);
  } else {
    const r = await runCgroupEvents(10);
    console.log(
      `cgroup.events: ${r.states.length} changes seen in order through PRI ` +
        `(${r.notifications} notifications), re-read with pread each time`,
    );
  }
  for (
    const [what, path] of [
      ["evdev (uinput)", "/dev/uinput"],
      ["gpio-sim", "/sys/kernel/config/gpio-sim"],
      ["GPIO sysfs", "/sys/class/gpio"],
    ]
  ) {
    if (!existsSync(path)) {
      console.log(`${what}: ${path} is absent in this kernel (code path shown only)`);
    }
  }
}
