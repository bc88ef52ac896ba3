/**
 * bench/chart.svg, written by hand (no dependencies): one horizontal bar
 * per ratio on a log scale, the target drawn as a vertical line on its row.
 * Green: target met; red: missed; grey: no target (for context).
 *
 * @module
 */
import type { Results } from "./results.ts";
import { fmt } from "./report_md.ts";

const RUNTIME_NAMES: Record<string, string> = { deno: "Deno", bun: "Bun", node: "Node" };

/** Text made safe inside an SVG element. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A log-scale axis for ratios: whole decades around the values, 0.5 to 2 at least. */
export function logRange(values: number[]): { lo: number; hi: number } {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  return {
    lo: Math.pow(10, Math.floor(Math.log10(Math.min(0.5, ...finite)))),
    hi: Math.pow(10, Math.ceil(Math.log10(Math.max(2, ...finite)))),
  };
}

/** Grid values at 1-2-5 steps from `lo` up to `hi`. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let d = lo; d <= hi; d *= 10) {
    for (const m of [1, 2, 5]) {
      if (d * m > hi) break;
      ticks.push(d * m);
    }
  }
  return ticks;
}

interface Row {
  label: string;
  value: number;
  target?: number;
  met?: boolean;
}

/** The chart as an SVG document. */
export function renderSvg(results: Results): string {
  const rows: (Row | string)[] = [];
  for (const [rt, cases] of Object.entries(results.runtimes)) {
    rows.push(RUNTIME_NAMES[rt] ?? rt);
    for (const c of cases) {
      if (c.skipped) continue;
      for (const r of c.ratios) {
        // A point of a curve without a target is drawn on the case's line
        // chart only.
        if (r.curve && !r.target) continue;
        rows.push({
          label: `${c.id}: ${r.label}`,
          value: r.summary.median,
          target: r.target?.limit,
          met: r.met,
        });
      }
    }
  }
  const values = rows.flatMap((r) => typeof r === "string" ? [] : [r.value, r.target ?? r.value]);
  const { lo, hi } = logRange(values);
  const left = 300;
  const width = 560;
  const rowH = 20;
  const top = 40;
  const x = (v: number) =>
    left + (width * (Math.log10(v) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const height = top + rows.length * rowH + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 80}" height="${height}" ` +
    `font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">evloop: ratios (median of pairs, log scale); ` +
    `line = target</text>`,
  ];
  // Grid lines at 1-2-5 steps.
  for (const v of logTicks(lo, hi)) {
    const gx = x(v).toFixed(1);
    out.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${height - 30}" stroke="${
        v === 1 ? "#888" : "#e4e4e4"
      }"/>`,
      `<text x="${gx}" y="${height - 16}" text-anchor="middle" fill="#555">${fmt(v)}×</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    if (typeof r === "string") {
      out.push(`<text x="10" y="${y + 14}" font-weight="bold" font-size="12">${esc(r)}</text>`);
      return;
    }
    const color = r.met === undefined ? "#9e9e9e" : r.met ? "#2e7d32" : "#c62828";
    out.push(`<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text>`);
    if (Number.isFinite(r.value) && r.value > 0) {
      const x0 = x(lo);
      const x1 = Math.max(x0 + 1, x(r.value));
      out.push(
        `<rect x="${x0.toFixed(1)}" y="${y + 4}" width="${(x1 - x0).toFixed(1)}" height="${
          rowH - 8
        }" fill="${color}"/>`,
        // The label starts past the bar and past the target line, so the
        // line never strikes through it.
        `<text x="${(Math.max(x1, r.target !== undefined ? x(r.target) : x1) + 4).toFixed(1)}" y="${
          y + 14
        }">${fmt(r.value)}×</text>`,
      );
    }
    if (r.target !== undefined) {
      const tx = x(r.target).toFixed(1);
      out.push(
        `<line x1="${tx}" y1="${y + 1}" x2="${tx}" y2="${
          y + rowH - 1
        }" stroke="black" stroke-width="2"/>`,
      );
    }
  });
  out.push("</svg>", "");
  return out.join("\n");
}
