/**
 * A service as users write them, for tests/service_test.ts: it starts,
 * says "ready", and lives until the test acts on it from outside, seconds
 * later (the runtime has settled by then: Deno installs its own signal
 * handlers about 0.5 s after start). It prints one line per thing it saw
 * and ends on its own, exit status 0, once its job is done.
 *
 * `signal <api> <mode> <SIG> <listener>`: handles SIG with `api`
 * ("EventLoop", "IOLoop" or "signals" for `loop.signals()`) and stops after
 * the third arrival. `listener` is the program's own listener of the
 * runtime's API beside evloop's: "none", "before" or "after" evloop's.
 *
 * `release <api> <mode> <SIG>`: handles the first arrival of SIG with `api`,
 * then lets it go (removes its handler, ends its iterator), destroys its
 * loop and lives on on a host timer: the next arrival must meet what it
 * would have met without evloop.
 *
 * `close <api> <mode> <how>`: watches its stdin (a pipe from the test)
 * with `api` ("EventLoop", "IOLoop" or "readable" for `loop.readable()`)
 * and ends when it goes: "peer" (the test closes its end: a hang-up,
 * then `fd.close` from the callback), "host" (`fd.close` from a host
 * timer 1.5 s after start), "callback" (`fd.close` from a loop timer 1.5 s
 * after start). IOLoop only knows "peer": its `start()` never ends by
 * itself, so its handler closes the loop.
 *
 * @module
 */
import { EventLoop, fd, IOLoop, type Mode } from "../mod.ts";
import process from "node:process";

const [job, api, mode, arg, listener] = process.argv.slice(2) as [
  string,
  string,
  Mode,
  string,
  string,
];

/** The runtime's own signal API (Deno's, typed here for Bun's checker). */
interface DenoSignals {
  addSignalListener(signal: string, handler: () => void): void;
}
const deno = (globalThis as unknown as { Deno?: DenoSignals }).Deno;

let runtimeCount = 0;
function addRuntimeListener(sig: string): void {
  const count = () => runtimeCount++;
  if (deno !== undefined) deno.addSignalListener(sig, count);
  else process.on(sig, count);
}

/** Waits (on host timers) until the runtime's listener saw `n` arrivals. */
async function runtimeSaw(n: number): Promise<void> {
  for (let i = 0; i < 200 && runtimeCount < n; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function signalService(sig: string): Promise<void> {
  const arrivals = 3;
  let seen = 0;
  if (listener === "before") addRuntimeListener(sig);
  const onArrival = async (stop: () => void) => {
    seen++;
    console.log(`${sig} ${seen}`);
    // For a failure's story (stderr is shown, not compared).
    console.error(`${sig} ${seen} at ${performance.now().toFixed(0)} ms`);
    if (seen < arrivals) return;
    // The runtime's listener runs from the runtime's own queue: let it.
    if (listener !== "none") {
      await runtimeSaw(arrivals);
      console.log(`runtime ${runtimeCount}`);
    }
    stop();
  };
  if (api === "IOLoop") {
    const loop = new IOLoop({ mode });
    loop.addSignalHandler(sig, () => onArrival(() => loop.close()));
    if (listener === "after") addRuntimeListener(sig);
    console.log("ready");
    await loop.start();
  } else {
    using loop = new EventLoop({ mode });
    if (api === "EventLoop") {
      loop.addSignalHandler(sig, () => onArrival(() => loop.stop()));
      if (listener === "after") addRuntimeListener(sig);
      console.log("ready");
      await loop.runForever();
    } else {
      const iterate = async () => {
        let done = false;
        for await (const _ of loop.signals(sig)) {
          await onArrival(() => done = true);
          if (done) break;
        }
      };
      const iterating = iterate();
      if (listener === "after") addRuntimeListener(sig);
      console.log("ready");
      await loop.run();
      await iterating;
    }
  }
  console.log("stopped");
}

async function releaseService(sig: string): Promise<void> {
  if (api === "IOLoop") {
    const loop = new IOLoop({ mode });
    loop.addSignalHandler(sig, () => {
      console.log(`${sig} 1`);
      loop.removeSignalHandler(sig);
      loop.close();
    });
    console.log("ready");
    await loop.start();
  } else {
    using loop = new EventLoop({ mode });
    if (api === "EventLoop") {
      // A handler does not keep run() going: a timer does, until then.
      const idle = loop.callLater(60_000, () => {});
      loop.addSignalHandler(sig, () => {
        console.log(`${sig} 1`);
        loop.removeSignalHandler(sig);
        idle.cancel();
      });
      console.log("ready");
      await loop.run();
    } else {
      const iterating = (async () => {
        for await (const _ of loop.signals(sig)) {
          console.log(`${sig} 1`);
          break;
        }
      })();
      console.log("ready");
      await loop.run();
      await iterating;
    }
  }
  console.log("removed");
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  console.log("survived");
}

async function closeService(how: string): Promise<void> {
  const stdin = 0;
  fd.setNonBlocking(stdin, true);
  const buf = new Uint8Array(64);
  /** Reads what is there; true at end of file (or a hang-up). */
  const drained = (): boolean => {
    for (;;) {
      let n: number | null;
      try {
        n = fd.read(stdin, buf);
      } catch {
        return true;
      }
      if (n === null) return false;
      if (n === 0) return true;
    }
  };
  const closeIt = () => {
    fd.close(stdin);
    console.log("closed");
  };
  if (api === "IOLoop") {
    // IOLoop.start() runs until stop() or close() (turbo): its handler ends
    // it once the peer is gone.
    const loop = new IOLoop({ mode });
    loop.addHandler(stdin, IOLoop.READ, () => {
      if (!drained()) return;
      closeIt();
      loop.close();
    });
    console.log("ready");
    await loop.start();
  } else {
    using loop = new EventLoop({ mode });
    if (api === "EventLoop") {
      loop.addReader(stdin, () => {
        if (drained()) closeIt();
      });
    } else {
      (async () => {
        try {
          for (;;) {
            await loop.readable(stdin);
            if (drained()) return closeIt();
          }
        } catch (error) {
          console.log(`readable: ${(error as Error).message}`);
        }
      })();
    }
    if (how === "host") setTimeout(closeIt, 1500);
    else if (how === "callback") loop.callLater(1500, closeIt);
    console.log("ready");
    await loop.run();
  }
  console.log("stopped");
}

if (job === "signal") await signalService(arg);
else if (job === "release") await releaseService(arg);
else await closeService(arg);
