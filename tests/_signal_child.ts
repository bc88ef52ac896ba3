/**
 * Child processes for tests/signals_test.ts: whatever could kill the test
 * runner, or changes process-wide signal state for good, runs here. The
 * first argument names the scenario; results are printed as one JSON line
 * per step. evloop is imported dynamically: "sigcgt" must read the
 * process status before the shim loads.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";

type Mod = typeof import("../mod.ts");

/** Deno's own signal API (typed here: Bun's checker has no Deno types). */
interface SignalListeners {
  addSignalListener(signal: "SIGUSR2", handler: () => void): void;
  removeSignalListener(signal: "SIGUSR2", handler: () => void): void;
}

const [scenario, ...rest] = process.argv.slice(2);

function print(value: unknown): void {
  console.log(JSON.stringify(value));
}

/** Signal numbers in a /proc/self/status mask line ("SigCgt"). */
function statusMask(field: string): number[] {
  const status = readFileSync("/proc/self/status", "utf8");
  const hex = status.match(new RegExp(`^${field}:\\s*([0-9a-f]+)`, "m"))![1];
  const mask = BigInt(`0x${hex}`);
  const out: number[] = [];
  for (let s = 1n; s <= 64n; s++) if (mask & (1n << (s - 1n))) out.push(Number(s));
  return out;
}

/** A promise and its resolver, to wait for a callback. */
function signal(): { wait: Promise<void>; done: () => void } {
  let done!: () => void;
  const wait = new Promise<void>((resolve) => done = resolve);
  return { wait, done };
}

async function cancelThenRemove(): Promise<void> {
  const { EventLoop }: Mod = await import("../mod.ts");
  const loop = new EventLoop();
  const log: string[] = [];
  let arrived = signal();
  const a = loop.addSignalHandler("SIGUSR1", (tag) => log.push(tag), "a");
  loop.addSignalHandler("SIGUSR1", (tag) => {
    log.push(tag);
    arrived.done();
  }, "b");
  const running = loop.runForever();
  process.kill(process.pid, "SIGUSR1");
  await arrived.wait;
  print({ step: "both", log: [...log] });
  a.cancel();
  arrived = signal();
  process.kill(process.pid, "SIGUSR1");
  await arrived.wait;
  print({ step: "one", log: [...log] });
  const removed = loop.removeSignalHandler("SIGUSR1");
  loop.stop();
  await running;
  loop.destroy();
  print({ step: "removed", removed, log: [...log] });
  // The default action (terminate) is back once the runtime saw the
  // arrivals evloop passed on to it: this should be the end.
  const { runtimeSignalReleased } = await import("../src/signals/runtime_signals.ts");
  await runtimeSignalReleased(10);
  process.kill(process.pid, "SIGUSR1");
  await new Promise((resolve) => setTimeout(resolve, 2000));
  print({ step: "survived" });
}

function stormSender(): void {
  const [pid, count] = rest.map(Number);
  for (let i = 0; i < count; i++) process.kill(pid, "SIGUSR1");
}

async function runtimeListener(): Promise<void> {
  const { EventLoop }: Mod = await import("../mod.ts");
  const { lib } = await import("../ffi/load.ts");
  const counts = { runtime: 0, usr1: 0, usr2: 0 };
  let runtimeSeen = signal();
  const onRuntime = () => {
    counts.runtime++;
    runtimeSeen.done();
  };
  const deno = (globalThis as { Deno?: SignalListeners }).Deno;
  if (deno !== undefined) deno.addSignalListener("SIGUSR2", onRuntime);
  else process.on("SIGUSR2", onRuntime);

  const loop = new EventLoop();
  let usr1Seen = signal();
  loop.addSignalHandler("SIGUSR1", () => {
    counts.usr1++;
    usr1Seen.done();
  });
  const running = loop.runForever();

  // Another signal: the runtime's listener works next to evloop's.
  process.kill(process.pid, "SIGUSR2");
  await runtimeSeen.wait;
  process.kill(process.pid, "SIGUSR1");
  await usr1Seen.wait;
  print({ step: "apart", ...counts });

  // The same signal: evloop chains to the runtime's handler.
  let usr2Seen = signal();
  loop.addSignalHandler("SIGUSR2", () => {
    counts.usr2++;
    usr2Seen.done();
  });
  runtimeSeen = signal();
  process.kill(process.pid, "SIGUSR2");
  await Promise.all([runtimeSeen.wait, usr2Seen.wait]);
  print({ step: "chained", ...counts, installed: lib.el_signal_installed(12) });

  // Removed: the runtime's handler is restored, and still works.
  loop.removeSignalHandler("SIGUSR2");
  const installed = lib.el_signal_installed(12);
  runtimeSeen = signal();
  usr2Seen = signal();
  process.kill(process.pid, "SIGUSR2");
  await runtimeSeen.wait;
  print({ step: "restored", ...counts, installed });
  usr1Seen = signal();
  loop.stop();
  await running;
  loop.destroy();
  if (deno !== undefined) deno.removeSignalListener("SIGUSR2", onRuntime);
  else process.off("SIGUSR2", onRuntime);
}

async function sigcgt(): Promise<void> {
  const caught = statusMask("SigCgt");
  const { EventLoop }: Mod = await import("../mod.ts");
  const { lib } = await import("../ffi/load.ts");
  const refusal: Record<number, number> = {};
  const messages: Record<number, string> = {};
  const loop = new EventLoop();
  for (let s = 1; s <= 64; s++) {
    refusal[s] = lib.el_signal_refusal(s);
    if (refusal[s] !== 0) {
      try {
        loop.addSignalHandler(s, () => {});
        messages[s] = "accepted";
      } catch (error) {
        messages[s] = (error as Error).message;
      }
    }
  }
  loop.destroy();
  print({ caught, refusal, messages });
}

switch (scenario) {
  case "cancel-then-remove":
    await cancelThenRemove();
    break;
  case "storm-sender":
    stormSender();
    break;
  case "runtime-listener":
    await runtimeListener();
    break;
  case "sigcgt":
    await sigcgt();
    break;
  default:
    throw new Error(`Unknown scenario "${scenario}"`);
}
