// Programs that run like services: each child (tests/_service_child.ts)
// starts, settles for seconds as a user's program does (runtimes install
// signal handlers and threads lazily: Deno its own signal handlers about
// 0.5 s after start), and is acted on from outside, late: signals 0.1 s,
// 1.5 s and 4 s after it is ready (SIGINT to its process group, as a
// terminal sends it), or its watched fd closed by its peer, by a host
// timer, or from a loop callback. Each asserts the exit status and what
// the child printed. The children of a file run side by side, so the
// whole class takes about as long as its slowest child.
import { assert, assertEquals } from "@std/assert";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { scriptCommand, test } from "./_harness.ts";

const CHILD = new URL("./_service_child.ts", import.meta.url).pathname;
const LATE_CHILD = new URL("./_late_child.ts", import.meta.url).pathname;
const SIGNAL_TIMES_MS = [100, 1500, 4000];
/** A safety net: a child that outlives this was hung, and is killed. */
const CHILD_LIMIT_MS = 30_000;

interface Outcome {
  code: number | null;
  signal: string | null;
  lines: string[];
  stderr: string;
}

/** One child and what the test does to it once it is ready. */
interface Case {
  name: string;
  args: string[];
  act(child: ChildProcess): void;
  expect: string[];
  /** The signal that should end it (default: none, exit status 0). */
  killedBy?: NodeJS.Signals;
  /** The child program (default: tests/_service_child.ts). */
  file?: string;
  /** Checks the outcome instead of the default exact comparison. */
  check?(outcome: Outcome): void;
}

function sendLater(child: ChildProcess, sig: NodeJS.Signals, times = SIGNAL_TIMES_MS): void {
  let exited = false;
  child.on("exit", () => exited = true);
  for (const ms of times) {
    setTimeout(() => {
      // Not child.kill(): Deno's ChildProcess takes the first kill for the
      // exit (its signalCode is set at once) and sends no further signal.
      if (exited) return;
      // A terminal sends SIGINT to the foreground process group.
      process.kill(sig === "SIGINT" ? -child.pid! : child.pid!, sig);
    }, ms);
  }
}

function start(c: Case): Promise<Outcome> {
  const [cmd, argv] = scriptCommand(c.file ?? CHILD, ...c.args);
  // Its own process group (detached), so a group SIGINT reaches it alone.
  const child = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"], detached: true });
  let out = "";
  let err = "";
  let acted = false;
  child.stdout!.on("data", (d) => {
    out += d;
    if (!acted && out.includes("ready\n")) {
      acted = true;
      c.act(child);
    }
  });
  child.stderr!.on("data", (d) => err += d);
  const limit = setTimeout(() => process.kill(child.pid!, "SIGKILL"), CHILD_LIMIT_MS);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stderr: err, lines: out.split("\n").filter((l) => l !== "") });
    });
  });
}

const cases: Case[] = [];
const MODES = ["hosted", "exclusive"];
const SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGUSR2"];
let n = 0;
for (const api of ["EventLoop", "IOLoop", "signals"]) {
  for (const mode of MODES) {
    for (const sig of SIGNALS) {
      // The program's own runtime listener, in either order, in turn. An
      // exclusive loop holds the thread, so the runtime's listeners (run
      // from its own queue) only run once it stops: hosted ones only.
      const listener = mode === "hosted" ? ["none", "before", "after"][n++ % 3] : "none";
      const arrivals = SIGNAL_TIMES_MS.map((_, i) => `${sig} ${i + 1}`);
      cases.push({
        name: `${api === "signals" ? "EventLoop.signals()" : `${api}.addSignalHandler()`} ` +
          `(${mode}${listener === "none" ? "" : `, a runtime listener ${listener}`}) handles ` +
          `${sig} 0.1 s, 1.5 s and 4 s after start, then exits 0`,
        args: ["signal", api, mode, sig, listener],
        act: (child) => sendLater(child, sig),
        expect: [
          "ready",
          ...arrivals,
          ...(listener === "none" ? [] : [`runtime ${SIGNAL_TIMES_MS.length}`]),
          "stopped",
        ],
      });
    }
  }
}
for (const api of ["EventLoop", "IOLoop", "signals"]) {
  for (const mode of MODES) {
    for (const sig of mode === "hosted" ? SIGNALS : ["SIGTERM" as const]) {
      cases.push({
        name: `${api === "signals" ? "EventLoop.signals()" : `${api}.addSignalHandler()`} ` +
          `(${mode}) lets ${sig} go: after the one at 1.5 s, the one at 4 s meets the ` +
          `default action, as without evloop`,
        args: ["release", api, mode, sig],
        act: (child) => sendLater(child, sig, [1500, 4000]),
        expect: ["ready", `${sig} 1`, "removed"],
        killedBy: sig,
      });
    }
  }
}
for (const api of ["EventLoop", "readable", "IOLoop"]) {
  for (const mode of MODES) {
    for (const how of ["peer", "host", "callback"]) {
      // An exclusive loop runs no host timer; an IOLoop runs until closed.
      if (how === "host" && mode === "exclusive") continue;
      if (api === "IOLoop" && how !== "peer") continue;
      const what = {
        peer: "its peer closes",
        host: "a host timer closes",
        callback: "a loop timer closes",
      }[how];
      cases.push({
        name: `${api === "readable" ? "EventLoop.readable()" : api} (${mode}) on a pipe ends ` +
          `its run 1.5 s after start once ${what} the fd, then exits 0`,
        args: ["close", api, mode, how],
        act: (child) => {
          if (how === "peer") setTimeout(() => child.stdin!.end(), 1500);
        },
        expect: [
          "ready",
          ...(api === "readable" && how !== "peer"
            ? ["closed", "readable: Cannot wait for fd 0: it was closed or forgotten"]
            : ["closed"]),
          "stopped",
        ],
      });
    }
  }
}

for (const sig of ["SIGTERM", "SIGINT"] as const) {
  cases.push({
    name: `EventLoop.addSignalHandler() handles ${sig} with evloop imported 1.5 s after start ` +
      "(after the runtime installed its own handler), then exits 0",
    file: LATE_CHILD,
    args: ["late-import", sig],
    act: (child) => sendLater(child, sig, [1000]),
    expect: ["ready", `${sig} 1`, "stopped"],
  });
}
cases.push({
  name: "EventLoop.sleep() awaited on a loop that never runs says why on stderr after 1 s",
  file: LATE_CHILD,
  args: ["never-run"],
  // Bun hangs on such an await for ever: end it once the hint is out.
  act: (child) => {
    let exited = false;
    child.on("exit", () => exited = true);
    setTimeout(() => exited || process.kill(child.pid!, "SIGKILL"), 3000);
  },
  expect: ["ready"],
  check(outcome) {
    assertEquals(outcome.lines, ["ready"]);
    assert(
      outcome.stderr.includes("evloop: a promise of a loop that is not running has waited 1 s"),
      outcome.stderr,
    );
  },
});

// Started together on first use: each test awaits its own child.
let outcomes: Promise<Outcome>[] | undefined;

for (const [i, c] of cases.entries()) {
  test(c.name, async () => {
    outcomes ??= cases.map(start);
    const outcome = await outcomes[i];
    if (c.check !== undefined) return c.check(outcome);
    const exit = c.killedBy === undefined
      ? { code: 0, signal: null }
      : { code: null, signal: c.killedBy };
    assertEquals(
      { code: outcome.code, signal: outcome.signal, lines: outcome.lines },
      { ...exit, lines: c.expect },
      outcome.stderr,
    );
    assert(!outcome.stderr.includes("error"), outcome.stderr);
  });
}
