/**
 * What the tests need under Node that Deno and Bun give them: loaded with
 * `node --import` before each test file (scripts/run.mjs, and
 * `scriptCommand` for the programs tests spawn), in every Worker too.
 *
 * - The bare specifiers of deno.json's import map and tsconfig.json's
 *   paths (`@std/assert`, `@evloop/evloop`, `evloop`, each `/inotify`) resolve to the same
 *   files, through a synchronous resolve hook (`module.registerHooks`).
 * - The Web Worker API the tests use (`new Worker(url, { type: "module" })`,
 *   `onmessage`, `onerror`, `postMessage`, `terminate`; in the Worker
 *   `self.onmessage`, `postMessage`, `close`) is provided over
 *   `node:worker_threads`, which is what Node programs use: evloop itself
 *   needs neither (a `RemoteLoop` handle is plain data).
 *
 * @module
 */
import * as nodeModule from "node:module";
import process from "node:process";
import { isMainThread, parentPort, Worker as NodeWorker } from "node:worker_threads";

const aliases: Record<string, string> = {
  "@std/assert": new URL("./_assert.ts", import.meta.url).href,
  "@evloop/evloop": new URL("../mod.ts", import.meta.url).href,
  "evloop": new URL("../mod.ts", import.meta.url).href,
  "@evloop/evloop/inotify": new URL("../inotify.ts", import.meta.url).href,
  "evloop/inotify": new URL("../inotify.ts", import.meta.url).href,
};

interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: unknown) => ResolveResult;

(nodeModule as unknown as {
  registerHooks(hooks: {
    resolve(specifier: string, context: unknown, next: NextResolve): ResolveResult;
  }): void;
}).registerHooks({
  resolve(specifier, context, next) {
    const url = aliases[specifier];
    return url === undefined ? next(specifier, context) : { url, shortCircuit: true };
  },
});

// node --test starts each test file with diagnostic reports on SIGUSR2
// (process.report.reportOnSignal): the tests send SIGUSR2 to their own
// handlers, and each one would leave a report file behind.
const report = (process as unknown as { report?: { reportOnSignal: boolean } }).report;
if (report?.reportOnSignal) report.reportOnSignal = false;

/** A Web Worker over a `node:worker_threads` Worker. */
class WebWorker extends EventTarget {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  #worker: NodeWorker;

  constructor(url: string | URL, _options?: { type?: string }) {
    super();
    this.#worker = new NodeWorker(new URL(String(url)));
    this.#worker.on("message", (data: unknown) => {
      const event = new MessageEvent("message", { data });
      this.onmessage?.(event);
      this.dispatchEvent(event);
    });
    this.#worker.on("error", (error: Error) => {
      const event = new Event("error") as ErrorEvent;
      Object.defineProperties(event, {
        message: { value: error?.message ?? String(error) },
        error: { value: error },
      });
      this.onerror?.(event);
      this.dispatchEvent(event);
    });
  }

  postMessage(data: unknown): void {
    this.#worker.postMessage(data);
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

if (isMainThread) {
  (globalThis as Record<string, unknown>).Worker = WebWorker;
} else {
  const scope = globalThis as Record<string, unknown>;
  let handler: ((event: MessageEvent) => void) | null = null;
  const deliver = (data: unknown) => handler?.(new MessageEvent("message", { data }));
  scope.self = globalThis;
  scope.postMessage = (data: unknown) => parentPort!.postMessage(data);
  // A Web Worker's close() ends it; process.exit() in a Worker thread ends
  // that thread only.
  scope.close = () => process.exit(0);
  // Listened to only while a handler is set: a port with a listener keeps
  // the Worker alive, as a Web Worker with onmessage set stays.
  Object.defineProperty(globalThis, "onmessage", {
    configurable: true,
    get: () => handler,
    set(fn: ((event: MessageEvent) => void) | null) {
      if (fn !== null && handler === null) parentPort!.on("message", deliver);
      if (fn === null && handler !== null) parentPort!.off("message", deliver);
      handler = fn;
    },
  });
}
