// loop.signals(): every arrival with its siginfo, in order, as an async
// iterator; leaving removes the handler; overflow is reported.
import { EventLoop, SIGNAL_LOST_CODE, type SignalInfo } from "@evloop/evloop";
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { lib } from "../ffi/load.ts";
import { SignalRegistry } from "../src/signals.ts";
import { test, within } from "./_harness.ts";
import { assertIdle, eachLoop } from "./_loops.ts";

const SIGUSR2 = 12;
const SIGRT = 41; // real-time signals queue up; standard ones coalesce

/** Sends `sig` to this process `n` times from a shell, and waits. */
function sendFromShell(sig: number, n: number): void {
  const script = `i=0; while [ $i -lt ${n} ]; do kill -${sig} ${process.pid}; i=$((i+1)); done`;
  assertEquals(spawnSync("sh", ["-c", script]).status, 0);
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

eachLoop(
  test,
  "signals() under a storm of 2000 real-time signals: every one, in order, or a lost record",
  async (s) => {
    const N = 2000;
    const { normal, lost, pids } = await s.during(async () => {
      const it = s.loop.signals(SIGRT, { bufferSize: 4096 });
      const child = spawn("sh", [
        "-c",
        `i=0; while [ $i -lt ${N} ]; do kill -${SIGRT} ${process.pid}; i=$((i+1)); done; echo done`,
      ], { stdio: ["ignore", "pipe", "ignore"] });
      const finished = new Promise<void>((resolve) => child.on("close", () => resolve()));
      let normal = 0;
      let lost = 0;
      const pids = new Set<number>();
      let done = false;
      finished.then(() => s.loop.sleep(20)).then(() => done = true);
      // One next() at a time: a pending one that lost a race is kept, not
      // abandoned (it would take the next arrival with it).
      let pending = it.next();
      while (!done) {
        const r = await Promise.race([pending, s.loop.sleep(50).then(() => null)]);
        if (r === null) continue;
        pending = it.next();
        if (r.done) continue;
        if (r.value.code === SIGNAL_LOST_CODE) lost++;
        else {
          normal++;
          pids.add(r.value.pid);
        }
      }
      await it.return();
      return { normal, lost, pids };
    });
    // Nothing silent: all N arrived, or a record says some were lost.
    assert(normal === N || (lost > 0 && normal < N), `${normal} arrivals, ${lost} lost records`);
    assertEquals(pids.size, 1);
    assert(!SignalRegistry.of(s.core).has(SIGRT));
  },
);

eachLoop(
  test,
  "signals() with a full buffer reports the overflow as one lost record",
  async (s) => {
    const got = await s.during(async () => {
      const it = s.loop.signals(SIGRT, { bufferSize: 4 });
      // 10 arrivals while nobody reads: 4 fit.
      sendFromShell(SIGRT, 10);
      await s.loop.sleep(5);
      const out: number[] = [];
      for (let i = 0; i < 5; i++) out.push((await it.next()).value!.code);
      sendFromShell(SIGRT, 1);
      out.push((await it.next()).value!.code);
      await it.return();
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
