/**
 * The shape of a benchmark run's results (what results.json holds), and how
 * the raw runs of a case become summaries, ratios and target verdicts.
 *
 * @module
 */
import type { CaseDef, CurveDef, CurvePoint, Target } from "./cases.ts";
import { pairRatios, summarize, type Summary } from "./stats.ts";

/** One variant's runs and their summaries, per metric. */
export interface VariantResult {
  id: string;
  label: string;
  runs: Record<string, number[]>;
  summary: Record<string, Summary>;
  /** Why this variant could not run here (fd limit, say). */
  skipped?: string;
}

/** A ratio's pairwise values and summary, with its target verdict. */
export interface RatioResult {
  label: string;
  values: number[];
  summary: Summary;
  target?: Target;
  met?: boolean;
  curve?: CurvePoint;
}

/** A target on one figure's median. */
export interface CheckResult {
  label: string;
  unit: string;
  summary: Summary;
  target: Target;
  met: boolean;
}

/** One case under one runtime. */
export interface CaseResult {
  id: string;
  title: string;
  what: string;
  metrics: { key: string; label: string; unit: string; higherIsBetter: boolean }[];
  skipped?: string;
  error?: string;
  variants: VariantResult[];
  ratios: RatioResult[];
  checks: CheckResult[];
  curves?: CurveDef[];
}

/** Everything one orchestrator run produced. */
export interface Results {
  date: string;
  quick: boolean;
  runs: number;
  machine: { os: string; cpus: number; cpu: string };
  /** os.loadavg() when the run started and ended. */
  load?: { start: number[]; end: number[] };
  versions: Record<string, string>;
  runtimes: Record<string, CaseResult[]>;
  seconds: number;
  /** Written while the run was still going (or cut short). */
  partial?: boolean;
}

/** Whether `value` meets `target`. */
export function meets(value: number, target: Target): boolean {
  if (!Number.isFinite(value)) return false;
  if (target.op === "<=") return value <= target.limit;
  if (target.op === "<") return value < target.limit;
  return value >= target.limit;
}

/** Summarises a case from raw runs: `raw[variant][metric]` is per run. */
export function summarizeCase(
  def: CaseDef,
  what: string,
  raw: Map<string, Record<string, number[]>>,
  skips: Map<string, string> = new Map(),
): CaseResult {
  const variants: VariantResult[] = def.variants.map((v) => {
    const runs = raw.get(v.id) ?? {};
    const summary: Record<string, Summary> = {};
    for (const [k, values] of Object.entries(runs)) summary[k] = summarize(values);
    const skipped = skips.get(v.id);
    return { id: v.id, label: v.label, runs, summary, ...(skipped ? { skipped } : {}) };
  });
  const series = (ref: [string, string]) => raw.get(ref[0])?.[ref[1]] ?? [];
  const ratios: RatioResult[] = def.ratios.map((r) => {
    let values = pairRatios(series(r.num), series(r.den));
    if (r.over) values = pairRatios(values, pairRatios(series(r.over.num), series(r.over.den)));
    const summary = summarize(values);
    return {
      label: r.label,
      values,
      summary,
      ...(r.target ? { target: r.target, met: meets(summary.median, r.target) } : {}),
      ...(r.curve ? { curve: r.curve } : {}),
    };
  });
  const checks: CheckResult[] = def.checks.map((c) => {
    const summary = summarize(series(c.ref));
    const unit = def.metrics.find((m) => m.key === c.ref[1])?.unit ?? "";
    return {
      label: c.label,
      unit,
      summary,
      target: c.target,
      met: meets(summary.median, c.target),
    };
  });
  return {
    id: def.id,
    title: def.title,
    what,
    metrics: def.metrics,
    variants,
    ratios,
    checks,
    ...(def.curves ? { curves: def.curves } : {}),
  };
}
