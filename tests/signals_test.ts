import { EventLoop, fd, type Mode, type SignalInfo } from "@evloop/evloop";
import {
  assert,
  assertEquals,
  assertGreater,
  assertGreaterOrEqual,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { lib } from "../ffi/load.ts";
import { SIGNAL_LOST_CODE, SignalCallback, SignalRegistry } from "../src/signals/registry.ts";
import { newFds, openFds, runNative, runtime, scriptCommand, test, within } from "./_harness.ts";
import { untilTaken } from "./_signal_pending.ts";

const SIGUSR1 = 10;
const SIGUSR2 = 12;
const CHILD = new URL("./_signal_child.ts", import.meta.url).pathname;

interface Exit {
  code: number | null;
  signal: string | null;
  lines: unknown[];
  stderr: string;
}

test("el_signal_add: a one-shot action found at install (SA_RESETHAND, as Node's SIGINT) is not chained, and is restored", () => {
  // It raised the signal again into the shim's handler, which chained to
  // it again: 100 % CPU for ever.
  runNative("signal_resethand");
});

function exited(child: ChildProcess): Promise<Exit> {
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => out += d);
  child.stderr?.on("data", (d) => err += d);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code,
        signal,
        stderr: err,
        lines: out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)),
      }));
  });
}

/** Runs a scenario of tests/_signal_child.ts in the same runtime. */
function child(...args: string[]): { proc: ChildProcess; done: Promise<Exit> } {
  const [cmd, argv] = scriptCommand(CHILD, ...args);
  // The storm sender gets no pipes: Bun may close a child's stdio fds
  // after "close", and that test counts fds.
  const stdio = args[0] === "storm-sender" ? "ignore" : "pipe";
  const proc = spawn(cmd, argv, { stdio: ["ignore", stdio, stdio] });
  return { proc, done: exited(proc) };
}

/** A separate `kill` process that sends `sig` to this process. */
function killer(sig: string): { pid: number; done: Promise<Exit> } {
  const proc = spawn("kill", [`-${sig}`, String(process.pid)], { stdio: "ignore" });
  return { pid: proc.pid!, done: exited(proc) };
}

for (const mode of ["hosted", "exclusive"] as Mode[]) {
  test(`EventLoop.addSignalHandler() wakes a waiting ${mode} loop; siginfo names the sender`, async () => {
    using loop = new EventLoop({ mode });
    const seen: string[] = [];
    loop.addSignalHandler("SIGUSR1", (tag) => {
      seen.push(tag);
      loop.stop();
    }, "evergreen");
    // The turbo-style path: the registry hands (signo, info) over.
    const infos: SignalInfo[] = [];
    const signals = SignalRegistry.of(loop._core);
    signals.add(
      SIGUSR1,
      new SignalCallback(
        (signo: number, info: SignalInfo) => {
          assertEquals(signo, SIGUSR1);
          infos.push(info);
        },
        [],
        { withInfo: true },
      ),
    );
    // The loop runs first and waits (nothing else to do), then the signal.
    let sender: { pid: number; done: Promise<Exit> } | undefined;
    loop.callSoon(() => sender = killer("USR1"));
    await within(loop.runForever(), 10_000, "the signal to stop the loop");
    assertEquals(seen, ["evergreen"]);
    assertEquals(infos.length, 1);
    assertEquals(infos[0], {
      signo: SIGUSR1,
      code: 0, // SI_USER: kill(2)
      pid: sender!.pid,
      uid: process.getuid!(),
    });
    assertEquals((await sender!.done).code, 0);
  });
}

test("SignalRegistry.set() keeps one watch per signal, with the arg first", async () => {
  using loop = new EventLoop();
  const signals = SignalRegistry.of(loop._core);
  const got: unknown[][] = [];
  const first = new SignalCallback(() => got.push(["first"]), ["arg"], { withInfo: true });
  signals.set(SIGUSR2, first);
  signals.set(
    SIGUSR2,
    new SignalCallback(
      (...args: unknown[]) => {
        got.push(args);
        loop.stop();
      },
      ["arg"],
      { withInfo: true },
    ),
  );
  assert(first.handler.cancelled);
  assertEquals(signals.count(SIGUSR2), 1);
  const running = loop.runForever();
  process.kill(process.pid, "SIGUSR2");
  await within(running, 10_000, "SIGUSR2");
  assertEquals(got.length, 1);
  const [arg, signo, info] = got[0] as [string, number, SignalInfo];
  assertEquals([arg, signo, info.signo, info.pid], ["arg", SIGUSR2, SIGUSR2, process.pid]);
  assert(signals.remove(SIGUSR2));
  assertEquals(lib.el_signal_installed(SIGUSR2), 0);
});

test("SignalRegistry reports arrivals that overflowed the shim's queue once, as lost", async () => {
  using loop = new EventLoop();
  const SIGRT = 40; // real-time signals queue up; standard ones coalesce
  const codes: number[] = [];
  SignalRegistry.of(loop._core).add(
    SIGRT,
    new SignalCallback((_signo: number, info: SignalInfo) => codes.push(info.code), [], {
      withInfo: true,
    }),
  );
  // 100 arrivals while the loop does not drain: 64 fit in its queue.
  const script = `i=0; while [ $i -lt 100 ]; do kill -${SIGRT} ${process.pid}; i=$((i+1)); done`;
  assertEquals(spawnSync("sh", ["-c", script]).status, 0);
  // All 100 are queued; on a loaded machine some may still wait for a
  // thread, and would miss the iteration below, or meet the default action
  // once the loop goes.
  await untilTaken(SIGRT);
  loop.callSoon(() => {});
  await within(loop.run(), 10_000, "one iteration");
  assertEquals(codes.length, 65);
  assertEquals(codes.slice(0, 64), new Array(64).fill(0));
  assertEquals(codes[64], SIGNAL_LOST_CODE);
});

test("EventLoop signal handlers: both run, cancel() removes one, removeSignalHandler() all and restores the default", async () => {
  const { done } = child("cancel-then-remove");
  const result = await within(done, 20_000, "the child");
  assertEquals(result.lines, [
    { step: "both", log: ["a", "b"] },
    { step: "one", log: ["a", "b", "b"] },
    { step: "removed", removed: true, log: ["a", "b", "b"] },
  ], result.stderr);
  // The restored default action of SIGUSR1 terminated it.
  assertEquals(result.signal, "SIGUSR1", result.stderr);
});

test("EventLoop signal handlers: one kill reaches the main loop and loops in two Workers", async () => {
  using loop = new EventLoop();
  const ran: string[] = [];
  loop.addSignalHandler("SIGUSR1", () => {
    ran.push("main");
    loop.stop();
  });
  const url = new URL("./_signal_worker.ts", import.meta.url).href;
  const workers = (["hosted", "exclusive"] as Mode[]).map((mode) => {
    const worker = new Worker(url, { type: "module" });
    const events: Record<string, Promise<unknown>> = {};
    const waiters: Record<string, (v: unknown) => void> = {};
    for (const key of ["loaded", "ready", "got", "done"]) {
      events[key] = new Promise((resolve) => waiters[key] = resolve);
    }
    worker.onmessage = (e: MessageEvent) => {
      for (const key of Object.keys(e.data)) if (key in waiters) waiters[key](e.data);
    };
    worker.onerror = (e: ErrorEvent) => waiters.ready(e.message);
    events.loaded.then(() => worker.postMessage({ mode }));
    return { worker, events };
  });
  try {
    await within(Promise.all(workers.map((w) => w.events.ready)), 10_000, "Workers ready");
    const sender = killer("USR1");
    const got = await within(
      Promise.all([loop.runForever(), ...workers.map((w) => w.events.got)]),
      10_000,
      "one SIGUSR1 to reach three loops",
    );
    assertEquals(ran, ["main"]);
    assertEquals(got.slice(1), [
      { got: "SIGUSR1", mode: "hosted" },
      { got: "SIGUSR1", mode: "exclusive" },
    ]);
    await within(Promise.all(workers.map((w) => w.events.done)), 10_000, "Workers done");
    await sender.done;
    // Three loops listened; the last to go restores the default action.
    assertEquals(lib.el_signal_installed(SIGUSR1), 1);
    loop.destroy();
    assertEquals(lib.el_signal_installed(SIGUSR1), 0);
  } finally {
    for (const w of workers) w.worker.terminate();
  }
});

test("EventLoop.addSignalHandler() passes the handler's args; a throwing handler is reported", async () => {
  using loop = new EventLoop();
  const errors: unknown[] = [];
  loop.setExceptionHandler((error) => errors.push(error));
  const got: unknown[][] = [];
  loop.addSignalHandler(SIGUSR1, () => {
    throw new Error("boom");
  });
  loop.addSignalHandler(
    SIGUSR1,
    (a: number, b: string) => {
      got.push([a, b]);
      // The loop goes on after the failure: this runs next iteration.
      loop.callSoon(() => loop.stop());
    },
    1,
    "two",
  );
  const running = loop.runForever();
  process.kill(process.pid, "SIGUSR1");
  await within(running, 10_000, "SIGUSR1");
  assertEquals(got, [[1, "two"]]);
  assertEquals(errors.length, 1);
  assertEquals((errors[0] as Error).message, "boom");
});

test("EventLoop signal handlers do not keep run() alive; destroy() removes them", async () => {
  const loop = new EventLoop();
  loop.addSignalHandler("SIGUSR2", () => {});
  loop.addSignalHandler("SIGWINCH", () => {});
  assertEquals(lib.el_signal_installed(SIGUSR2), 1);
  await within(loop.run(), 5_000, "run() with signal handlers only");
  loop.destroy();
  assertEquals(lib.el_signal_installed(SIGUSR2), 0);
  assertEquals(lib.el_signal_installed(28), 0);
});

test("EventLoop signal handlers survive a storm of 10,000 SIGUSR1 during a ping-pong", async () => {
  const fdsBefore = openFds();
  const loop = new EventLoop();
  const [a, b] = fd.socketpair();
  let signals = 0;
  loop.addSignalHandler("SIGUSR1", () => signals++);
  const storm = child("storm-sender", String(process.pid), "10000");
  let stormDone = false;
  storm.done.then(() => stormDone = true);

  // a sends a 4-byte sequence number, b echoes it, a checks and sends next.
  const MIN_ROUNDS = 500;
  const buf = new Uint8Array(4096);
  const view = new DataView(buf.buffer);
  const out = new Uint8Array(4);
  const outView = new DataView(out.buffer);
  let sent = 0;
  let received = 0;
  let pending = new Uint8Array(0);
  const send = () => {
    outView.setUint32(0, sent++);
    assertEquals(fd.write(a, out), 4);
  };
  loop.addReader(b, () => {
    const n = fd.read(b, buf);
    if (n) assertEquals(fd.write(b, buf.subarray(0, n)), n);
  });
  loop.addReader(a, () => {
    const n = fd.read(a, buf) ?? 0;
    const all = new Uint8Array(pending.length + n);
    all.set(pending);
    all.set(buf.subarray(0, n), pending.length);
    let i = 0;
    for (; i + 4 <= all.length; i += 4) {
      view.setUint32(0, new DataView(all.buffer).getUint32(i));
      assertEquals(view.getUint32(0), received++);
    }
    pending = all.slice(i);
    if (stormDone && received >= MIN_ROUNDS && received === sent) {
      loop.removeReader(a);
      loop.removeReader(b);
      return;
    }
    if (received === sent) send();
  });
  send();
  await within(loop.run(), 30_000, "the ping-pong through the storm");
  const result = await storm.done;
  assertEquals(result.code, 0); // it exits 0 once all 10,000 were sent
  assertEquals(received, sent);
  assertGreaterOrEqual(received, MIN_ROUNDS);
  assertGreater(signals, 0);
  loop.destroy();
  fd.close(a);
  fd.close(b);
  // None opened meanwhile is left (a Worker of an earlier test may still
  // be closing its own fds, so the count alone could only go down).
  assertEquals(newFds(fdsBefore), []);
});

test("EventLoop.addSignalHandler() rejects invalid signals with a TypeError or RangeError", () => {
  using loop = new EventLoop();
  for (const bad of [0, -1, 65, 1.5, NaN]) {
    assertThrows(() => loop.addSignalHandler(bad, () => {}), RangeError, "not a signal number");
    assertThrows(() => loop.removeSignalHandler(bad), RangeError, "not a signal number");
  }
  assertThrows(
    () => loop.addSignalHandler("SIGFOO", () => {}),
    RangeError,
    'unknown signal name "SIGFOO"',
  );
  assertThrows(() => loop.removeSignalHandler("SIGFOO"), RangeError, "unknown signal name");
  assertThrows(() => loop.addSignalHandler("usr1", () => {}), RangeError, "unknown signal name");
  // deno-lint-ignore no-explicit-any
  const anyLoop = loop as any;
  assertThrows(
    () => anyLoop.addSignalHandler({}, () => {}),
    TypeError,
    "must be a number or a name",
  );
  assertThrows(() => anyLoop.addSignalHandler("SIGUSR1", "nope"), TypeError, "must be a function");
});

test("EventLoop.addSignalHandler() refuses signals it must not take, saying why", () => {
  using loop = new EventLoop();
  const cases: [number | string, string][] = [
    ["SIGKILL", "Cannot add signal handler for SIGKILL: SIGKILL cannot be caught"],
    [19, "Cannot add signal handler for SIGSTOP: SIGSTOP cannot be caught"],
    ["SIGSEGV", "Cannot add signal handler for SIGSEGV: the runtime needs it"],
    ["SIGBUS", "the runtime needs it"],
    ["SIGFPE", "the runtime needs it"],
    ["SIGILL", "the runtime needs it"],
    ["SIGPIPE", "Cannot add signal handler for SIGPIPE: the runtime needs it ignored"],
    [32, "Cannot add signal handler for signal 32: the C library reserves it"],
    [33, "Cannot add signal handler for signal 33: the C library reserves it"],
  ];
  for (const [sig, message] of cases) {
    const error = assertThrows(() => loop.addSignalHandler(sig, () => {}), Error);
    assertStringIncludes(error.message, message);
    assert(!(error instanceof RangeError) && !(error instanceof TypeError));
  }
  // Nothing can be registered there, so nothing is removed (evergreen, asyncio).
  assertEquals(loop.removeSignalHandler("SIGKILL"), false);
  assertEquals(loop.removeSignalHandler("SIGSTOP"), false);
  // The free ones are accepted (and given back). SIGHUP, SIGINT and
  // SIGTERM are free in `deno run`, but `deno test` catches them at start.
  for (const sig of ["SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGWINCH", 34, 64]) {
    loop.addSignalHandler(sig, () => {});
    assert(loop.removeSignalHandler(sig));
  }
});

test("EventLoop.addSignalHandler() refuses exactly the signals the runtime caught at load", async () => {
  const result = await within(child("sigcgt").done, 20_000, "the child");
  assertEquals(result.code, 0, result.stderr);
  const { caught, refusal, messages } = result.lines[0] as {
    caught: number[];
    refusal: Record<string, number>;
    messages: Record<string, string>;
  };
  const RUNTIME = 5;
  // Signals a process is sent to be told something: a runtime that caught
  // one at load has it for its program's listeners, and evloop chains to
  // it (csrc/signal.c, is_process_signal). Node 26 catches SIGINT, SIGUSR1
  // and SIGTERM at load.
  const PROCESS = [1, 2, 3, 10, 12, 14, 15, 17, 18, 20, 21, 22, 28];
  for (const s of caught) {
    if (!PROCESS.includes(s)) assert(refusal[s] !== 0, `signal ${s} was caught at load`);
    else assertEquals(refusal[s], 0, `signal ${s} is a process signal`);
  }
  for (let s = 1; s <= 64; s++) {
    if (refusal[s] === RUNTIME) {
      assert(caught.includes(s), `signal ${s} is refused as the runtime's`);
      assertStringIncludes(
        messages[s],
        "the runtime needs it (it had a handler when evloop loaded)",
      );
    }
  }
  // The measured sets: Deno 2.9 catches 7, 11, 33; Bun 1.4 also 4-6, 8,
  // 30, 31; Node 26 catches 11 and 33 (and 2, 10, 15).
  for (const s of runtime === "deno" ? [7, 11, 33] : runtime === "bun" ? [7, 11, 33] : [11, 33]) {
    assert(refusal[s] !== 0);
  }
  if (runtime === "bun") { for (const s of [5, 6, 30, 31]) assertEquals(refusal[s], RUNTIME); }
});

test("EventLoop signal handlers leave the runtime's own listeners working", async () => {
  const result = await within(child("runtime-listener").done, 20_000, "the child");
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.lines, [
    { step: "apart", runtime: 1, usr1: 1, usr2: 0 },
    { step: "chained", runtime: 2, usr1: 1, usr2: 1, installed: 1 },
    { step: "restored", runtime: 3, usr1: 1, usr2: 1, installed: 0 },
  ], result.stderr);
});

test("EventLoop signal handlers: a spawned child starts with them neither blocked nor ignored", () => {
  using loop = new EventLoop();
  const handled = [SIGUSR1, SIGUSR2, 14, 17, 28]; // + SIGALRM, SIGCHLD, SIGWINCH
  for (const s of handled) loop.addSignalHandler(s, () => {});
  const r = spawnSync("cat", ["/proc/self/status"], { encoding: "utf8" });
  assertEquals(r.status, 0);
  for (const field of ["SigBlk", "SigIgn"]) {
    const mask = BigInt(`0x${r.stdout.match(new RegExp(`^${field}:\\s*([0-9a-f]+)`, "m"))![1]}`);
    for (const s of handled) {
      assertEquals(mask & (1n << BigInt(s - 1)), 0n, `${field} has signal ${s}`);
    }
  }
});
