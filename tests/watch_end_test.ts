// However a watch ends, an idle loop's run() ends at once: fd.close,
// forget, removal, cancel, update(0), an abort, the streams closing. Each
// way is ended from host code (a host timer while the hosted loop is
// parked on its fds) and from a loop timer, in both modes where it can.
import { EventLoop, fd, IOEvents, type Mode } from "@evloop/evloop";
import { assert } from "@std/assert";
import { test, within } from "./_harness.ts";

/** One way a watch ends: `start` watches `r`, the returned `end` ends it. */
interface Way {
  name: string;
  start(loop: EventLoop, r: number): () => void;
}

const ignore = () => {};

const WAYS: Way[] = [
  {
    name: "fd.close() of a reader's fd",
    start: (loop, r) => (loop.addReader(r, ignore), () => fd.close(r)),
  },
  {
    name: "fd.close() under a pending readable()",
    start: (loop, r) => (loop.readable(r).catch(ignore), () => fd.close(r)),
  },
  {
    name: "fd.close() of a watch()'s fd",
    start: (loop, r) => (loop.watch(r, IOEvents.READ, ignore), () => fd.close(r)),
  },
  {
    name: "fd.close() under a streams() read",
    start: (loop, r) => {
      loop.streams(r).readable.getReader().read().catch(ignore);
      return () => fd.close(r);
    },
  },
  {
    name: "forget() of a reader",
    start: (loop, r) => (loop.addReader(r, ignore), () => loop.forget(r)),
  },
  {
    name: "removeReader()",
    start: (loop, r) => (loop.addReader(r, ignore), () => loop.removeReader(r)),
  },
  {
    name: "Handler.cancel() of a reader",
    start: (loop, r) => {
      const handler = loop.addReader(r, ignore);
      return () => handler.cancel();
    },
  },
  {
    name: "Watch.cancel()",
    start: (loop, r) => {
      const watch = loop.watch(r, IOEvents.READ, ignore);
      return () => watch.cancel();
    },
  },
  {
    name: "Watch.update(0)",
    start: (loop, r) => {
      const watch = loop.watch(r, IOEvents.READ, ignore);
      return () => watch.update(0);
    },
  },
  {
    name: "an abort of readable()",
    start: (loop, r) => {
      const controller = new AbortController();
      loop.readable(r, { signal: controller.signal }).catch(ignore);
      return () => controller.abort();
    },
  },
  {
    name: "FdStreams.close() under a read",
    start: (loop, r) => {
      const streams = loop.streams(r);
      streams.readable.getReader().read().catch(ignore);
      return () => streams.close();
    },
  },
  {
    name: "an abort of streams() under a read",
    start: (loop, r) => {
      const controller = new AbortController();
      loop.streams(r, { signal: controller.signal }).readable.getReader().read().catch(ignore);
      return () => controller.abort();
    },
  },
];

const CASES: { mode: Mode; from: "host" | "loop" }[] = [
  { mode: "hosted", from: "host" },
  { mode: "hosted", from: "loop" },
  { mode: "exclusive", from: "loop" },
];

for (const way of WAYS) {
  for (const { mode, from } of CASES) {
    test(`EventLoop.run() (${mode}) ends at once after ${way.name} from a ${from} timer`, async () => {
      const [r, w] = fd.pipe();
      using loop = new EventLoop({ mode });
      const end = way.start(loop, r);
      let endedAt = 0;
      const fire = () => {
        endedAt = performance.now();
        end();
      };
      if (from === "host") setTimeout(fire, 50);
      else loop.callLater(50, fire);
      await within(loop.run(), 5_000, `run() after ${way.name}`);
      const late = performance.now() - endedAt;
      assert(endedAt > 0, "run() ended before the watch did");
      assert(late < 1_000, `run() ended ${late.toFixed(0)} ms after the watch did`);
      for (const n of [r, w]) {
        try {
          fd.close(n);
        } catch { /* closed by the case */ }
      }
    });
  }
}
