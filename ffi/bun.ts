/**
 * The Bun binding: `bun:ffi` over the one symbol table.
 *
 * `bun:ffi` is imported by a computed name so that Deno's type checker,
 * which has no Bun types, never follows it.
 *
 * @module
 */
import { type Binding, type Lib, type NativeType, symbols } from "./symbols.ts";

interface BunFfi {
  dlopen(
    path: string,
    defs: Record<string, { args: string[]; returns: string }>,
  ): { symbols: unknown };
  JSCallback: new (
    fn: (...args: never[]) => unknown,
    def: { args: string[]; returns: string; threadsafe: boolean },
  ) => { ptr: unknown };
}

const isBun = "Bun" in globalThis;
// Imported only under Bun (Deno never evaluates this import).
const ffiModule = "bun:ffi";
const ffi = isBun ? (await import(ffiModule)) as BunFfi : undefined;

/** Bun names a caller-owned buffer "ptr" (a TypedArray passes as one). */
function toBun(type: NativeType): string {
  return type === "buffer" ? "ptr" : type;
}

function toBunTable(): Record<string, { args: string[]; returns: string }> {
  const out: Record<string, { args: string[]; returns: string }> = {};
  for (const [name, spec] of Object.entries(symbols)) {
    out[name] = {
      args: spec.parameters.map(toBun),
      returns: toBun(spec.result),
    };
  }
  return out;
}

interface BunTimer {
  ref(): void;
  unref(): void;
}

const proc = (globalThis as unknown as {
  process: { env: Record<string, string | undefined>; platform: string };
}).process;

// Parking uses the shim's waiter thread, which reports through one
// threadsafe JSCallback per thread. Bun queues such a call and returns at
// once, so closing a loop (which joins the waiter thread) cannot deadlock.
const parked = new Map<number, (result: number) => void>();
const withWaker = new Set<number>();
let waker: { ptr: unknown } | undefined;
let keepAlive: BunTimer | undefined;

function onWake(id: number, result: number): void {
  const onReady = parked.get(id);
  if (onReady === undefined) return; // closed since the park began
  settle(id);
  onReady(result);
}

function settle(id: number): void {
  if (parked.delete(id) && parked.size === 0) keepAlive!.unref();
}

/** Makes the Bun binding (call only under Bun). */
export function bunBinding(): Binding {
  return {
    runtime: "bun",
    version: (globalThis as unknown as { Bun: { version: string } }).Bun.version,
    os: proc.platform,
    open(path: string): Lib {
      return ffi!.dlopen(path, toBunTable()).symbols as Lib;
    },
    park(lib: Lib, id: number, timeoutMs: number, onReady: (result: number) => void): void {
      if (waker === undefined) {
        waker = new ffi!.JSCallback(onWake as (...args: never[]) => unknown, {
          args: ["i32", "i32"],
          returns: "void",
          threadsafe: true,
        });
        // A threadsafe JSCallback does not keep Bun alive: while a loop is
        // parked this timer is ref'd instead. Its period (about 24 days)
        // makes its own wake-ups irrelevant.
        keepAlive = setInterval(() => {}, 2 ** 31 - 1) as unknown as BunTimer;
        keepAlive.unref();
      }
      if (!withWaker.has(id)) {
        const r = lib.el_loop_set_waker(id, waker.ptr);
        if (r < 0) throw new Error(`Cannot park loop ${id}: el_loop_set_waker failed (${r})`);
        withWaker.add(id);
      }
      if (parked.size === 0) keepAlive!.ref();
      parked.set(id, onReady);
      const r = lib.el_loop_park(id, timeoutMs);
      if (r < 0) {
        settle(id);
        throw new Error(`Cannot park loop ${id}: el_loop_park failed (${r})`);
      }
    },
    forget(id: number): void {
      settle(id);
      withWaker.delete(id);
    },
    env: (name) => proc.env[name],
  };
}
