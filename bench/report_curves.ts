/**
 * The line charts of the cases that grow (bench/curve_<case>.svg), written
 * by hand as chart.svg is: one panel per chart of the case, the size on a
 * log x axis, the ratio on a log y axis, one line per contestant and
 * runtime (Deno solid, Bun dashed, Node dotted), the target as a dashed grey line.
 * And the same curves as Markdown tables for RESULTS.md.
 *
 * @module
 */
import type { CurveDef } from "./cases.ts";
import { fmt } from "./report_md.ts";
import { esc, logRange, logTicks } from "./report_svg.ts";
import type { CaseResult, Results } from "./results.ts";

const RUNTIME_NAMES: Record<string, string> = { deno: "Deno", bun: "Bun", node: "Node" };
/** Each runtime's line: Deno solid, Bun dashed, Node dotted. */
const DASHES: Record<string, string> = {
  bun: ` stroke-dasharray="6 4"`,
  node: ` stroke-dasharray="2 3"`,
};
const COLORS = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#c62828", "#00838f"];
/** One colour per contestant in every chart; others take the palette's. */
const SERIES_COLORS: Record<string, string> = {
  c: "#424242",
  exclusive: "#1565c0",
  hosted: "#2e7d32",
  native: "#ef6c00",
  settimeout: "#ef6c00",
};

/** One line: its points (size, median ratio) and its target, if any. */
interface Line {
  runtime: string;
  series: string;
  points: { x: number; y: number }[];
  target?: number;
}

function linesOf(results: Results, caseId: string, chart: string): Line[] {
  const lines: Line[] = [];
  for (const [rt, cases] of Object.entries(results.runtimes)) {
    const c = cases.find((k) => k.id === caseId);
    if (!c) continue;
    const bySeries = new Map<string, Line>();
    for (const r of c.ratios) {
      if (r.curve?.chart !== chart) continue;
      const line = bySeries.get(r.curve.series) ??
        { runtime: rt, series: r.curve.series, points: [] };
      if (Number.isFinite(r.summary.median) && r.summary.median > 0) {
        line.points.push({ x: r.curve.x, y: r.summary.median });
      }
      if (r.target) line.target = r.target.limit;
      bySeries.set(r.curve.series, line);
    }
    lines.push(...bySeries.values());
  }
  return lines;
}

/** The cases (by id) that have curves, with their chart definitions. */
export function curveCases(results: Results): Map<string, CurveDef[]> {
  const out = new Map<string, CurveDef[]>();
  for (const cases of Object.values(results.runtimes)) {
    for (const c of cases) if (c.curves && !out.has(c.id)) out.set(c.id, c.curves);
  }
  return out;
}

function panel(results: Results, caseId: string, def: CurveDef, top: number): string[] {
  const lines = linesOf(results, caseId, def.id);
  const xs = [...new Set(lines.flatMap((l) => l.points.map((p) => p.x)))].sort((a, b) => a - b);
  const ys = lines.flatMap((l) => [...l.points.map((p) => p.y), l.target ?? 1]);
  const left = 70;
  const w = 460;
  const h = 220;
  const out: string[] = [
    `<text x="10" y="${top + 16}" font-size="13" font-weight="bold">${esc(def.title)}</text>`,
  ];
  if (xs.length === 0 || ys.length === 0) {
    out.push(`<text x="${left}" y="${top + 60}">no figures</text>`);
    return out;
  }
  const y0 = top + 30;
  const { lo, hi } = logRange(ys);
  const xlo = Math.log10(xs[0]);
  const xhi = Math.log10(xs[xs.length - 1]);
  const px = (x: number) =>
    left + (xhi === xlo ? w / 2 : (w * (Math.log10(x) - xlo)) / (xhi - xlo));
  const py = (y: number) =>
    y0 + h - (h * (Math.log10(y) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  for (const v of logTicks(lo, hi)) {
    const gy = py(v).toFixed(1);
    out.push(
      `<line x1="${left}" y1="${gy}" x2="${left + w}" y2="${gy}" stroke="${
        v === 1 ? "#888" : "#e4e4e4"
      }"/>`,
      `<text x="${left - 6}" y="${gy}" text-anchor="end" dy="4" fill="#555">${fmt(v)}×</text>`,
    );
  }
  for (const x of xs) {
    const gx = px(x).toFixed(1);
    out.push(
      `<line x1="${gx}" y1="${y0}" x2="${gx}" y2="${y0 + h}" stroke="#f0f0f0"/>`,
      `<text x="${gx}" y="${y0 + h + 16}" text-anchor="middle" fill="#555">${
        x.toLocaleString("en-US")
      }</text>`,
    );
  }
  out.push(
    `<text x="${left + w / 2}" y="${y0 + h + 32}" text-anchor="middle">${esc(def.xLabel)}</text>`,
    `<text x="14" y="${y0 + h / 2}" transform="rotate(-90 14 ${y0 + h / 2})" text-anchor="middle">${
      esc(def.yLabel)
    }</text>`,
  );
  const series = [...new Set(lines.map((l) => l.series))];
  const targets = new Set<number>();
  lines.forEach((l) => {
    if (l.target !== undefined && !targets.has(l.target)) {
      targets.add(l.target);
      const ty = py(l.target).toFixed(1);
      out.push(
        `<line x1="${left}" y1="${ty}" x2="${
          left + w
        }" y2="${ty}" stroke="#555" stroke-dasharray="2 3"/>`,
        `<text x="${left + w + 4}" y="${ty}" dy="4" fill="#555">target ${fmt(l.target)}×</text>`,
      );
    }
    const color = SERIES_COLORS[l.series] ?? COLORS[series.indexOf(l.series) % COLORS.length];
    const dash = DASHES[l.runtime] ?? "";
    const pts = l.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ");
    out.push(
      `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
      ...l.points.map((p) =>
        `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`
      ),
    );
  });
  // Legend: one row per line.
  lines.forEach((l, i) => {
    const color = SERIES_COLORS[l.series] ?? COLORS[series.indexOf(l.series) % COLORS.length];
    const ly = y0 + 8 + i * 15;
    const dash = DASHES[l.runtime] ?? "";
    out.push(
      `<line x1="${left + w + 70}" y1="${ly}" x2="${
        left + w + 95
      }" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${left + w + 100}" y="${ly + 4}">${
        esc(`${RUNTIME_NAMES[l.runtime] ?? l.runtime} ${l.series}`)
      }</text>`,
    );
  });
  return out;
}

/** The line chart of one case (every chart it declares, stacked). */
export function renderCurveSvg(results: Results, caseId: string): string {
  const defs = curveCases(results).get(caseId) ?? [];
  const panelH = 300;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="${
      defs.length * panelH + 10
    }" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  defs.forEach((d, i) => out.push(...panel(results, caseId, d, i * panelH)));
  out.push("</svg>", "");
  return out.join("\n");
}

/** RESULTS.md tables of a case's curves: one row per line, one column per size. */
export function curveTables(results: Results, c: CaseResult): string[] {
  const out: string[] = [];
  for (const def of c.curves ?? []) {
    const lines = linesOf(results, c.id, def.id).filter((l) =>
      l.runtime === Object.keys(results.runtimes).find((rt) => results.runtimes[rt].includes(c))
    );
    const xs = [...new Set(lines.flatMap((l) => l.points.map((p) => p.x)))].sort((a, b) => a - b);
    if (xs.length === 0) continue;
    out.push(
      `**${def.title}** (${def.yLabel}; chart: [curve_${c.id}.svg](curve_${c.id}.svg))`,
      "",
      `| ${def.xLabel} | ${xs.map((x) => x.toLocaleString("en-US")).join(" | ")} |`,
      `|---|${xs.map(() => "---:").join("|")}|`,
      ...lines.map((l) =>
        `| ${l.series} | ${
          xs.map((x) => {
            const p = l.points.find((q) => q.x === x);
            return p ? `${fmt(p.y)}×` : "–";
          }).join(" | ")
        } |`
      ),
      "",
    );
  }
  return out;
}
