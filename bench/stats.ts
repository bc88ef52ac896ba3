/**
 * Summaries of repeated runs: median, min and max, and ratios taken pair
 * by pair (run i of A over run i of B, then summarised), so a slow moment
 * of the machine lands in one pair instead of skewing one side.
 *
 * @module
 */

/** Median, min and max of a series. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Summarises `values` (finite numbers only). */
export function summarize(values: number[]): Summary {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

/** The ratios a[i] / b[i] of two series run interleaved. */
export function pairRatios(a: number[], b: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(a[i] / b[i]);
  return out;
}
