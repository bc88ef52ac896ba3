/**
 * The tour behind `cli.ts demo` (`npm start`): one short step per job that
 * Deno and Bun cannot do alone (a serial device on a pty, inotify, a PRI
 * file, a signal's sender, calls from other threads, a tun device and
 * netlink), each live on this machine. A step prints what happened with
 * the time since it began, or says plainly why it was skipped. The steps
 * themselves are in `demo_steps.ts`.
 *
 * @module
 */
import { info, type Mode } from "../mod.ts";
import { STEPS } from "./steps.ts";

export type { Step, StepContext } from "./steps.ts";

/** How one step ended. */
export interface StepOutcome {
  name: string;
  status: "ok" | "skipped" | "failed";
  /** The summary, the reason for the skip, or the error's message. */
  detail: string;
  ms: number;
}

/** Options of {@linkcode runTour}. */
export interface TourOptions {
  /** The steps to run, by name; all of them when empty or absent. */
  names?: string[];
  /**
   * The mode of the steps' loops.
   *
   * @default {"hosted"}
   */
  mode?: Mode;
  /**
   * Where the lines go.
   *
   * @default {console.log}
   */
  log?: (line: string) => void;
  /**
   * When the steps' clocks start, in milliseconds since the epoch: a child
   * that runs a step for its parent (netns) stamps its lines on the
   * parent's clock. Default: when each step begins.
   */
  origin?: number;
}

/**
 * The steps of the tour, in order: their names and titles.
 *
 * @example
 * ```ts
 * import { tourSteps } from "./tour.ts";
 * import { assert } from "@std/assert";
 *
 * assert(tourSteps().some((step) => step.name === "serial"));
 * ```
 */
export function tourSteps(): { name: string; title: string }[] {
  return STEPS.map(({ name, title }) => ({ name, title }));
}

const stamp = (ms: number) => `${ms.toFixed(1).padStart(8)} ms`;

/**
 * Runs the tour (or the steps named), printing each step as it goes;
 * resolves with how each ended. A step that fails is reported and the tour
 * goes on.
 *
 * @example Listing, then running one step quietly
 * ```ts
 * import { runTour } from "./tour.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const [outcome] = await runTour({ names: ["signal"], log: () => {} });
 * assertEquals(outcome.name, "signal");
 * ```
 *
 * @throws {RangeError} For a name that is not a step's.
 */
export async function runTour(options: TourOptions = {}): Promise<StepOutcome[]> {
  const log = options.log ?? console.log;
  const mode = options.mode ?? "hosted";
  const names = options.names ?? [];
  for (const name of names) {
    if (!STEPS.some((step) => step.name === name)) {
      throw new RangeError(
        `Unknown demo step "${name}": the steps are ${STEPS.map((s) => s.name).join(", ")}`,
      );
    }
  }
  const steps = names.length === 0 ? STEPS : STEPS.filter((step) => names.includes(step.name));
  const facts = info();
  log(
    `evloop tour on ${facts.runtime} ${facts.runtimeVersion}, ${facts.backend} backend, ` +
      `${mode} mode, ${facts.kernel}`,
  );
  const outcomes: StepOutcome[] = [];
  const tourStart = performance.now();
  for (const [i, step] of steps.entries()) {
    log("");
    log(`${i + 1}/${steps.length} ${step.name}: ${step.title}`);
    let start = performance.now();
    const say = (line: string, atMs?: number) =>
      log(`${stamp(atMs ?? performance.now() - start)}  ${line}`);
    let outcome: StepOutcome;
    try {
      const reason = await step.unavailable();
      start = options.origin === undefined
        ? performance.now()
        : options.origin - performance.timeOrigin;
      if (reason !== null) {
        outcome = { name: step.name, status: "skipped", detail: reason, ms: 0 };
      } else {
        const startedAt = performance.timeOrigin + start;
        const detail = await step.run({ mode, say, startedAt });
        outcome = { name: step.name, status: "ok", detail, ms: performance.now() - start };
      }
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      outcome = { name: step.name, status: "failed", detail, ms: performance.now() - start };
    }
    outcomes.push(outcome);
    if (outcome.status === "skipped") log(`  skipped: ${outcome.detail}`);
    else log(`  ${outcome.status} in ${outcome.ms.toFixed(1)} ms: ${outcome.detail}`);
  }
  const count = (status: StepOutcome["status"]) =>
    outcomes.filter((o) => o.status === status).length;
  log("");
  log(
    `tour: ${outcomes.length} steps in ${((performance.now() - tourStart) / 1000).toFixed(2)} s: ` +
      `${count("ok")} ok, ${count("skipped")} skipped, ${count("failed")} failed`,
  );
  return outcomes;
}
