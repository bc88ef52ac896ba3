// loop.signals(): every arrival with its siginfo, in order, as an async
// iterator; leaving removes the handler; overflow is reported.
import { EventLoop, SIGNAL_LOST_CODE, type SignalInfo } from "@evloop/evloop";
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { lib } from "../ffi/load.ts";
import { SignalRegistry } from "../src/signals/registry.ts";
import { test, within } from "./_harness.ts";
import { assertIdle, eachLoop } from "./_loops.ts";
import { pendingInProcess } from "./_signal_pending.ts";

const SIGUSR2 = 12;
const SIGRT = 41; // real-time signals queue up; standard ones coalesce

/** Sends `sig` to this process `n` times from a shell, waits, and returns its pid. */
function sendFromShell(sig: number, n: number): number {
  const script = `i=0; while [ $i -lt ${n} ]; do kill -${sig} ${process.pid}; i=$((i+1)); done`;
  const shell = spawnSync("sh", ["-c", script]);
  assertEquals(shell.status, 0);
  return shell.pid;
}

eachLoop(
  test,
  "signals() yields each arrival with its siginfo; break removes the handler",
  async (s) => {
    const infos = await s.during(async () => {
      const got: SignalInfo[] = [];
      s.loop.sleep(1).then(() => process.kill(process.pid, "SIGUSR2"));
      for await (const info of s.loop.signals("SIGUSR2")) {
        got.push(info);
        if (got.length === 2) break;
        process.kill(process.pid, "SIGUSR2");
      }
      return got;
    });
    assertEquals(infos.map((i) => [i.signo, i.pid]), [[SIGUSR2, process.pid], [
      SIGUSR2,
      process.pid,
    ]]);
    assert(!SignalRegistry.of(s.core).has(SIGUSR2));
    assertEquals(lib.el_signal_installed(SIGUSR2), 0);
  },
);

/**
 * The senders of SIGRT in this file so far: each storm's shell.
 *
 * Why a record from an earlier sender may turn up in a later test: the
 * kernel hands each signal to some thread of this process, and the shim's
 * handler looks the listening loops up when it runs in that thread. Under
 * heavy load that thread can stay descheduled for tens of milliseconds
 * between the kernel's dequeue and the handler's look-up: when it runs,
 * the earlier test's loop is gone and the next test's loop listens, so that
 * loop gets it, with the earlier sender's pid. A late arrival, not a
 * duplicate: a storm counts the records of its own sender only.
 */
const sigrtSenders = new Set<number>();

eachLoop(
  test,
  "signals() under a storm of 2000 real-time signals: every one, in order, or a lost record",
  async (s) => {
    const N = 2000;
    const SIGRT_DONE = SIGRT + 1;
    let exited: Promise<void> = Promise.resolve();
    const { own, lost, strangers } = await s.during(async () => {
      const it = s.loop.signals(SIGRT, { bufferSize: 4096 });
      const marker = s.loop.signals(SIGRT_DONE);
      const child = spawn("sh", [
        "-c",
        `i=0; while [ $i -lt ${N} ]; do kill -${SIGRT} ${process.pid}; i=$((i+1)); done; ` +
        `kill -${SIGRT_DONE} ${process.pid}`,
      ], { stdio: "ignore" });
      const sender = child.pid!;
      sigrtSenders.add(sender);
      exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
      // The shell's last word, through the loop (a lost record of it still
      // says it arrived): each of its SIGRT is queued by then.
      let shellDone = false;
      const lastWord = (async () => {
        for (;;) {
          const { code, pid } = (await marker.next()).value!;
          if (code === SIGNAL_LOST_CODE || pid === sender) return "shell done" as const;
        }
      })();
      const deadline = s.loop.sleep(30_000).then(() => "deadline" as const);
      let own = 0;
      let lost = 0;
      const strangers: number[] = [];
      // One next() at a time: a pending one that lost a race is kept, not
      // abandoned (it would take the next arrival with it).
      let pending = it.next();
      for (;;) {
        if (own === N) break;
        // Some were lost, so how many arrive is unknown: stop once the shell
        // is done and none of its SIGRT waits for a thread (each has reached
        // the handler: none meets the default action once it goes).
        if (lost > 0 && shellDone && !pendingInProcess(SIGRT)) break;
        // Without a lost record every arrival must come, the late ones too.
        const r = await Promise.race(
          shellDone ? [pending, deadline] : [pending, lastWord, deadline],
        );
        if (r === "deadline") break; // fails below: some vanished without a record
        if (r === "shell done") {
          shellDone = true;
          continue;
        }
        pending = it.next();
        if (r.done) break;
        const { code, pid } = r.value;
        if (code === SIGNAL_LOST_CODE) lost++;
        else if (pid === sender) own++;
        else if (!sigrtSenders.has(pid)) strangers.push(pid);
      }
      await it.return();
      // The marker too must not be left waiting for a thread.
      await Promise.race([lastWord, deadline]);
      await marker.return();
      return { own, lost, strangers };
    });
    await exited;
    // Nothing silent: all N arrived, or a record says some were lost.
    assert(own === N || (lost > 0 && own < N), `${own} arrivals, ${lost} lost records`);
    // Every record came from a sender of SIGRT (nothing made up or torn).
    assertEquals(strangers, []);
    assert(!SignalRegistry.of(s.core).has(SIGRT));
  },
);

eachLoop(
  test,
  "signals() with a full buffer reports the overflow as one lost record",
  async (s) => {
    const got = await s.during(async () => {
      const it = s.loop.signals(SIGRT, { bufferSize: 4 });
      // Sees each arrival in the same delivery as `it`: once it has the
      // shell's 10, `it` has been offered all 10 while nobody read it.
      const witness = s.loop.signals(SIGRT, { bufferSize: 64 });
      const from = async (pid: number, n: number) => {
        // Late records of earlier senders (see sigrtSenders) are skipped.
        for (let seen = 0; seen < n;) if ((await witness.next()).value!.pid === pid) seen++;
      };
      // 10 arrivals while nobody reads: 4 fit.
      await from(sendFromShell(SIGRT, 10), 10);
      const out: number[] = [];
      for (let i = 0; i < 5; i++) out.push((await it.next()).value!.code);
      const last = sendFromShell(SIGRT, 1);
      out.push((await it.next()).value!.code);
      // Every signal sent has arrived before the handler goes.
      await from(last, 1);
      await it.return();
      await witness.return();
      return out;
    });
    assertEquals(got, [0, 0, 0, 0, SIGNAL_LOST_CODE, 0]);
  },
);

eachLoop(
  test,
  "signals() abort: a pending next() rejects with the reason and the handler goes",
  async (s) => {
    const controller = new AbortController();
    const error = await s.during(async () => {
      const it = s.loop.signals("SIGUSR2", { signal: controller.signal });
      const pending = it.next();
      await s.loop.sleep(1);
      controller.abort(new Error("stop listening"));
      const e = await pending.catch((e) => e);
      assertEquals(await it.next(), { done: true, value: undefined });
      return e;
    });
    assertEquals((error as Error).message, "stop listening");
    assert(!SignalRegistry.of(s.core).has(SIGUSR2));
    assertIdle(s);
  },
);

eachLoop(
  test,
  "signals() with an aborted signal registers nothing and rejects the first next()",
  async (s) => {
    const it = s.loop.signals("SIGUSR2", { signal: AbortSignal.abort("no") });
    assert(!SignalRegistry.of(s.core).has(SIGUSR2));
    await assertRejects(async () => {
      await it.next();
    });
    assertEquals(await it.next(), { done: true, value: undefined });
    assertThrows(() => s.loop.signals("SIGKILL"), Error, "cannot be caught");
    assertThrows(() => s.loop.signals("SIGUSR2", { bufferSize: 0 }), RangeError);
    assertThrows(() => s.loop.signals("SIGNOPE"), RangeError);
  },
);

eachLoop(test, "signals() ends when the loop goes: a pending next() is done", async (s) => {
  const it = s.loop.signals("SIGUSR2");
  const pending = it.next();
  s.close();
  assertEquals(await pending, { done: true, value: undefined });
  assertEquals(lib.el_signal_installed(SIGUSR2), 0);
});

test("EventLoop.signals(): a reader waiting keeps run() going; using ends the iteration", async () => {
  using loop = new EventLoop();
  let pid = 0;
  {
    using it = loop.signals("SIGUSR2");
    loop.callLater(2, () => process.kill(process.pid, "SIGUSR2"));
    const next = it.next().then((r) => pid = r.value!.pid);
    await within(loop.run(), 10_000, "run() with a waiting reader");
    await next;
  }
  assertEquals(pid, process.pid);
  assert(!SignalRegistry.of(loop._core).has(SIGUSR2));
});

eachLoop(
  test,
  "signals() lives beside signal handlers: adding, replacing and removing them leaves it",
  async (s) => {
    const got = await s.during(async () => {
      const it = s.loop.signals("SIGUSR2");
      const handled: string[] = [];
      const raw = s.raw;
      if (raw instanceof EventLoop) {
        raw.addSignalHandler("SIGUSR2", () => handled.push("a"));
      } else {
        raw.addSignalHandler("SIGUSR2", () => handled.push("a"));
        raw.addSignalHandler("SIGUSR2", () => handled.push("b")); // replaces "a" only
      }
      process.kill(process.pid, "SIGUSR2");
      const first = await it.next();
      assert(raw.removeSignalHandler("SIGUSR2"));
      assert(!raw.removeSignalHandler("SIGUSR2"));
      process.kill(process.pid, "SIGUSR2");
      const second = await it.next();
      await it.return();
      return { first: first.value!.signo, second: second.value!.signo, handled };
    });
    assertEquals([got.first, got.second], [SIGUSR2, SIGUSR2]);
    assertEquals(got.handled, [s.raw instanceof EventLoop ? "a" : "b"]);
    assertEquals(lib.el_signal_installed(SIGUSR2), 0);
  },
);
