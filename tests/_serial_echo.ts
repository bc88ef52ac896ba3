/**
 * An echo device on a pty's master end, for the serial tests: every byte
 * the port writes comes back, as the "echo firmware" serialport's binding
 * suite expects on a board. It runs on the device loop (held while it
 * runs) and ends when the port hangs up (the master reads EIO once the
 * slave's last fd closes), or at `stop()`.
 *
 * Start it once the port is open: before the slave's first open a pty's
 * master reports a hang-up too.
 *
 * @module
 */
import { fd, SystemError } from "@evloop/evloop";
import { deviceLoop, holdDeviceLoop } from "../serial.ts";

/** A running echo device. */
export interface Echo {
  /** Resolves when it ends: "hangup" (the port closed), "eof" or "stopped". */
  readonly done: Promise<"hangup" | "eof" | "stopped">;
  /** Bytes echoed so far. */
  readonly bytes: number;
  /** Ends it now (it resolves `done` with "stopped"). */
  stop(): void;
}

/** Starts echoing on `master`. */
export function startEcho(master: number): Echo {
  const loop = deviceLoop();
  const release = holdDeviceLoop();
  const abort = new AbortController();
  const { signal } = abort;
  const buf = new Uint8Array(65536);
  let bytes = 0;
  const run = async (): Promise<"hangup" | "eof" | "stopped"> => {
    for (;;) {
      await loop.readable(master, { signal });
      let n: number | null;
      try {
        n = fd.read(master, buf);
      } catch (error) {
        if (error instanceof SystemError && error.code === "EIO") return "hangup";
        throw error;
      }
      if (n === null) continue;
      if (n === 0) return "eof";
      for (let off = 0; off < n;) {
        const w = fd.write(master, buf.subarray(off, n));
        if (w === null) await loop.writable(master, { signal });
        else off += w;
      }
      bytes += n;
    }
  };
  const done = run().catch((error) => {
    if (signal.aborted) return "stopped" as const;
    throw error;
  }).finally(release);
  return {
    done,
    get bytes() {
      return bytes;
    },
    stop: () => abort.abort(),
  };
}
