/**
 * Process signals for a loop core: the per-core registry both APIs build
 * on (`EventLoop.addSignalHandler`, many handlers per signal;
 * `IOLoop.addSignalHandler`, one per signal, with the siginfo).
 *
 * The shim's `sigaction` handler runs in whatever thread the kernel picks,
 * records the sender's siginfo for every loop that listens and wakes each
 * one (`Wake.SIGNAL`); the registry of that loop then drains the records in
 * the loop's own thread and queues the watches' work on its core.
 *
 * @module
 */
import type { LoopCore } from "../core/loop_core.ts";
import { SystemError } from "../sys/errors.ts";
import { type Callback, Handler, retire } from "../core/handler.ts";
import { Wake } from "../core/poller.ts";
import { holdRuntimeSignal, releaseRuntimeSignal } from "./runtime_signals.ts";
import { refusalReason, signalName } from "./names.ts";

/**
 * What the sender's `siginfo_t` said about one arrival of a signal.
 *
 * @example Reading the sender's pid
 * ```ts
 * import type { SignalInfo } from "@evloop/evloop";
 *
 * function describeSender(info: SignalInfo): string {
 *   return `signal ${info.signo} from pid ${info.pid} (uid ${info.uid})`;
 * }
 * describeSender({ signo: 12, code: 0, pid: 42, uid: 1000 });
 * ```
 */
export interface SignalInfo {
  /** The signal number. */
  readonly signo: number;
  /**
   * `si_code`: 0 (`SI_USER`) for kill(2), -6 (`SI_TKILL`) for tgkill(2),
   * positive for the kernel; `SIGNAL_LOST_CODE` for arrivals whose record
   * did not fit in the shim's queue (their pid and uid are 0).
   */
  readonly code: number;
  /** `si_pid`: the sending process (0 when the kernel sent it). */
  readonly pid: number;
  /** `si_uid`: the sender's real user id. */
  readonly uid: number;
}

/**
 * The `code` of a record that stands for arrivals lost to a full queue
 * (the shim's, or the buffer of `loop.signals()`): its pid and uid are 0.
 *
 * @example Telling lost arrivals apart
 * ```ts
 * import { SIGNAL_LOST_CODE, type SignalInfo } from "@evloop/evloop";
 * import { assertEquals } from "@std/assert";
 *
 * const describe = (info: SignalInfo) =>
 *   info.code === SIGNAL_LOST_CODE ? "some arrivals were lost" : `from ${info.pid}`;
 * assertEquals(describe({ signo: 12, code: SIGNAL_LOST_CODE, pid: 0, uid: 0 }), "some arrivals were lost");
 * ```
 */
export const SIGNAL_LOST_CODE: -32768 = -32768;

/** One registration in a `SignalRegistry` (like the core's `FdWatch`). */
export interface SignalWatch {
  /** Queues the work of one arrival on `core` (never runs user code). */
  deliver(info: SignalInfo, core: LoopCore): void;
  /** Cancels silently: the registry let it go (removed, or loop closed). */
  drop(): void;
  /**
   * Lives beside the handlers (a `signals()` iterator): `set()` does not
   * replace it and `removeHandlers()` leaves it; only its own end, or
   * `remove()` naming it, or the loop closing, removes it.
   */
  readonly standalone?: boolean;
}

/** Options for {@linkcode SignalCallback}. */
export interface SignalCallbackOptions {
  /**
   * Append `(signo, info)` to the callback's arguments (turbo's IOLoop)
   * instead of passing only its own (evergreen's EventLoop).
   *
   * @default {false}
   */
  withInfo?: boolean;
  /** Runs when the returned `handler` is cancelled by the user. */
  onCancel?: (handler: Handler) => void;
}

/**
 * A watch that runs `callback` from the loop's ready queue once per
 * arrival, through one `Handler`: cancelling it (or dropping the watch)
 * also drops arrivals already queued.
 *
 * @example Both call shapes
 * ```ts
 * import { SignalCallback } from "./registry.ts";
 * import { assert } from "@std/assert";
 *
 * const evergreen = new SignalCallback((tag: string) => tag, ["usr1"]);
 * const turbo = new SignalCallback((signo: number) => signo, [], { withInfo: true });
 * assert(!evergreen.handler.cancelled && !turbo.handler.cancelled);
 * ```
 */
export class SignalCallback implements SignalWatch {
  /** The handler queued per arrival; its `cancel()` removes the watch. */
  readonly handler: Handler;
  #infos: SignalInfo[] | null;

  /**
   * @param callback What to run.
   * @param args Its own arguments (first).
   * @param options Whether the siginfo is appended; a cancel hook.
   */
  constructor(callback: Callback, args: unknown[], options: SignalCallbackOptions = {}) {
    if (options.withInfo) {
      const infos: SignalInfo[] = [];
      this.#infos = infos;
      const run = () => {
        const info = infos.shift();
        if (info !== undefined) return callback(...args, info.signo, info);
      };
      // Exception reports name the user's callback, not this trampoline.
      Object.defineProperty(run, "name", { value: callback.name });
      this.handler = new Handler(run, [], options.onCancel);
    } else {
      this.#infos = null;
      this.handler = new Handler(callback, args, options.onCancel);
    }
  }

  deliver(info: SignalInfo, core: LoopCore): void {
    if (this.handler.cancelled) return;
    this.#infos?.push(info);
    core.enqueue(this.handler);
  }

  drop(): void {
    retire(this.handler);
    if (this.#infos !== null) this.#infos.length = 0;
  }
}

const RECORDS = 64;

/** Each core's registry, made on first use (the core knows no signals). */
const registries = new WeakMap<LoopCore, SignalRegistry>();

/**
 * A core's signal watches, many per signal. While a signal has a watch the
 * core's loop listens to it in the shim (the first listener in the process
 * installs the shim's handler; the last one restores the action that was
 * there before). Listening does not keep `run()` alive.
 *
 * A turbo-style API (one handler per signal, siginfo delivered) is a few
 * lines over it:
 *
 * @example One handler per signal, with the siginfo
 * ```ts
 * import { EventLoop } from "@evloop/evloop";
 * import { SignalCallback, SignalRegistry } from "./registry.ts";
 * import { assert } from "@std/assert";
 *
 * using loop = new EventLoop();
 * const signals = SignalRegistry.of(loop._core);
 * signals.set(12, new SignalCallback((signo: number) => signo, [], { withInfo: true }));
 * assert(signals.has(12));
 * assert(signals.remove(12));
 * ```
 */
export class SignalRegistry {
  #core: LoopCore;
  #watches = new Map<number, SignalWatch[]>();
  #records = new Int32Array(4 * RECORDS);

  /** @internal Attached to its core by `of()`: use that. */
  private constructor(core: LoopCore) {
    this.#core = core;
    core.addWakeListener((bits) => {
      if ((bits & Wake.SIGNAL) !== 0) this.#drain();
    });
    core.onClose(() => this.clear());
  }

  /**
   * The registry of `core`, made on first use.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { SignalRegistry } from "./registry.ts";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * assert(SignalRegistry.of(loop._core) === SignalRegistry.of(loop._core));
   * ```
   */
  static of(core: LoopCore): SignalRegistry {
    let registry = registries.get(core);
    if (registry === undefined) {
      registry = new SignalRegistry(core);
      registries.set(core, registry);
    }
    return registry;
  }

  /**
   * Adds a watch for `signo` (after the ones already there).
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { SignalCallback, SignalRegistry } from "./registry.ts";
   * import { assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const signals = SignalRegistry.of(loop._core);
   * signals.add(12, new SignalCallback(() => {}, []));
   * signals.add(12, new SignalCallback(() => {}, []));
   * assertEquals(signals.count(12), 2);
   * signals.clear();
   * ```
   *
   * @throws {Error} For a refused signal (see `catchableSignal`).
   * @throws {SystemError} If the shim cannot listen.
   */
  add(signo: number, watch: SignalWatch): void {
    const list = this.#watches.get(signo);
    if (list !== undefined) {
      list.push(watch);
      return;
    }
    this.#listen(signo);
    this.#watches.set(signo, [watch]);
  }

  /**
   * Makes `watch` the only handler for `signo`, dropping the others (the
   * standalone watches stay). The loop keeps listening meanwhile: no
   * arrival meets the previous action.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { SignalCallback, SignalRegistry } from "./registry.ts";
   * import { assert, assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const signals = SignalRegistry.of(loop._core);
   * const first = new SignalCallback(() => {}, []);
   * signals.set(12, first);
   * signals.set(12, new SignalCallback(() => {}, []));
   * assert(first.handler.cancelled);
   * assertEquals(signals.count(12), 1);
   * signals.clear();
   * ```
   *
   * @throws {Error} For a refused signal.
   * @throws {SystemError} If the shim cannot listen.
   */
  set(signo: number, watch: SignalWatch): void {
    const old = this.#watches.get(signo);
    if (old === undefined) {
      this.add(signo, watch);
      return;
    }
    this.#watches.set(signo, [...old.filter((w) => w.standalone), watch]);
    for (const w of old) if (!w.standalone) w.drop();
  }

  /**
   * Removes every watch of `signo` but the standalone ones (`signals()`
   * iterators): what `removeSignalHandler` does.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { SignalCallback, SignalRegistry } from "./registry.ts";
   * import { assert, assertEquals } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const signals = SignalRegistry.of(loop._core);
   * signals.add(12, new SignalCallback(() => {}, []));
   * signals.add(12, { deliver() {}, drop() {}, standalone: true });
   * assert(signals.removeHandlers(12));
   * assertEquals(signals.count(12), 1);
   * signals.clear();
   * ```
   *
   * @returns Whether a watch was removed.
   */
  removeHandlers(signo: number): boolean {
    const handlers = this.#watches.get(signo)?.filter((w) => !w.standalone) ?? [];
    for (const w of handlers) this.remove(signo, w);
    return handlers.length > 0;
  }

  /**
   * Removes `watch` from `signo`, or every watch of `signo` when no watch
   * is given. The loop stops listening when none is left.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@evloop/evloop";
   * import { SignalCallback, SignalRegistry } from "./registry.ts";
   * import { assert } from "@std/assert";
   *
   * using loop = new EventLoop();
   * const signals = SignalRegistry.of(loop._core);
   * signals.add(12, new SignalCallback(() => {}, []));
   * assert(signals.remove(12));
   * assert(!signals.remove(12));
   * ```
   *
   * @returns Whether a watch was removed.
   */
  remove(signo: number, watch?: SignalWatch): boolean {
    const list = this.#watches.get(signo);
    if (list === undefined) return false;
    let removed: SignalWatch[];
    if (watch === undefined) {
      removed = list;
      this.#watches.delete(signo);
    } else {
      const at = list.indexOf(watch);
      if (at < 0) return false;
      removed = list.splice(at, 1);
      if (list.length === 0) this.#watches.delete(signo);
    }
    if (!this.#watches.has(signo)) this.#unlisten(signo);
    for (const w of removed) w.drop();
    return removed.length > 0;
  }

  /** Whether `signo` has a watch. */
  has(signo: number): boolean {
    return this.#watches.has(signo);
  }

  /** How many watches `signo` has. */
  count(signo: number): number {
    return this.#watches.get(signo)?.length ?? 0;
  }

  /** Removes every watch (the loop is being destroyed or closed). */
  clear(): void {
    for (const signo of [...this.#watches.keys()]) this.remove(signo);
  }

  #listen(signo: number): void {
    const action = `Cannot add signal handler for ${signalName(signo)}`;
    const poller = this.#core.poller;
    if (poller.signalAdd === undefined) {
      throw new Error(`${action}: this loop has no native poller`);
    }
    // The runtime's handler first, so that evloop's goes over it.
    holdRuntimeSignal(signo);
    const result = poller.signalAdd(signo);
    if (result < 0) {
      releaseRuntimeSignal(signo);
      const reason = refusalReason(signo);
      if (reason !== undefined) throw new Error(`${action}: ${reason}`);
      throw new SystemError(-result, "sigaction", action);
    }
  }

  #unlisten(signo: number): void {
    // A closed loop already stopped listening in the shim (-ESTALE).
    this.#core.poller.signalRemove?.(signo);
    releaseRuntimeSignal(signo);
  }

  #drain(): void {
    const records = this.#records;
    const core = this.#core;
    for (;;) {
      const n = core.poller.signalDrain!(records);
      for (let i = 0; i < 4 * Math.max(n, 0); i += 4) {
        const list = this.#watches.get(records[i]);
        if (list === undefined) continue; // removed since it arrived
        const info: SignalInfo = {
          signo: records[i],
          code: records[i + 1],
          pid: records[i + 2],
          uid: records[i + 3],
        };
        for (const watch of list) {
          try {
            watch.deliver(info, core);
          } catch (error) {
            core.report(error, "signalDelivery");
          }
        }
      }
      if (n < RECORDS) return;
    }
  }
}
