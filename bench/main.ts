/**
 * The benchmark orchestrator behind `npm run bench` and `cli.ts bench`.
 *
 * For each runtime (Deno, Bun, Node) and each case it runs every variant in its
 * own process, interleaved (A B C, A B C, ...): a warm-up round that is
 * thrown away, then the measured rounds. Each figure is the median of the
 * measured rounds; each ratio is taken pair by pair within a round. It then
 * writes bench/RESULTS.md, bench/results.json and bench/chart.svg.
 *
 * Flags: `--quick` (tiny sizes, one round, nothing written; part of the
 * test suite), `--no-write`, `--json PATH` (results as JSON to PATH),
 * `--runtime deno|bun|node` (repeatable; default all three, Node where npm
 * has a Node 26 for this machine), `--case ID` (repeatable),
 * `--runs N` (measured rounds, default 3; a case may ask for fewer).
 *
 * Runs under Deno, Bun or Node (it only uses node: modules).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { allCases, type Ctx, runtimeName, type Tools } from "./cases.ts";
import { renderMarkdown } from "./report_md.ts";
import { renderSvg } from "./report_svg.ts";
import { curveCases, renderCurveSvg } from "./report_curves.ts";
import { type CaseResult, type Results, summarizeCase } from "./results.ts";
import { runJob } from "./run_job.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Node 26 from npm (package.json's optionalDependencies). */
const NODE = join(root, "node_modules", ".bin", "node");

interface Options {
  quick: boolean;
  write: boolean;
  json?: string;
  runtimes: ("deno" | "bun" | "node")[];
  cases?: string[];
  runs: number;
}

function parse(args: string[]): Options {
  const o: Options = { quick: false, write: true, runtimes: [], runs: 3 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] = a.includes("=") ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => inline ?? args[++i];
    if (flag === "--quick") o.quick = true;
    else if (flag === "--no-write") o.write = false;
    else if (flag === "--json") o.json = value();
    else if (flag === "--runs") o.runs = Math.max(1, Number(value()));
    else if (flag === "--case") (o.cases ??= []).push(...value().split(","));
    else if (flag === "--runtime") {
      for (const r of value().split(",")) {
        if (r !== "deno" && r !== "bun" && r !== "node") {
          throw new Error(`Unknown runtime "${r}": use deno, bun or node`);
        }
        o.runtimes.push(r);
      }
    } else throw new Error(`Unknown bench flag "${a}"`);
  }
  if (o.runtimes.length === 0) {
    o.runtimes = existsSync(NODE) ? ["deno", "bun", "node"] : ["deno", "bun"];
  }
  // Quick mode proves that every case runs; its figures mean nothing and
  // must never replace the committed results.
  if (o.quick) {
    o.write = false;
    o.runs = 1;
  }
  return o;
}

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return (r.stdout ?? "").trim().split("\n")[0] || "unknown";
}

/** Builds the shim and the C programs: configured once, then `cmake --build`. */
function ensureBuilt(build: string): void {
  const steps = existsSync(join(build, "CMakeCache.txt"))
    ? [["--build", build, "--parallel", "2"]]
    : [["-S", ".", "-B", build, "-DCMAKE_BUILD_TYPE=Release"], [
      "--build",
      build,
      "--parallel",
      "2",
    ]];
  for (const args of steps) {
    const r = spawnSync("cmake", args, { cwd: root, stdio: "inherit" });
    if (r.status !== 0) throw new Error(`cmake ${args.join(" ")} failed`);
  }
}

/** Writes RESULTS.md, results.json and the charts; returns their paths. */
function write(results: Results): string[] {
  const files: [string, string][] = [
    ["RESULTS.md", renderMarkdown(results)],
    ["results.json", JSON.stringify(results, null, 2) + "\n"],
    ["chart.svg", renderSvg(results)],
    ...[...curveCases(results).keys()].map((id): [string, string] => [
      `curve_${id}.svg`,
      renderCurveSvg(results, id),
    ]),
  ];
  for (const [name, text] of files) writeFileSync(join(root, "bench", name), text);
  return files.map(([name]) => `bench/${name}`);
}

/** The load average, to two decimals. */
function loadAvg(): number[] {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs the benchmarks; returns the results (and writes the files). */
export async function main(args: string[]): Promise<Results> {
  const opts = parse(args);
  const started = Date.now();
  const tools: Tools = {
    deno: join(root, "node_modules", ".bin", "deno"),
    bun: join(root, "node_modules", ".bin", "bun"),
    node: NODE,
    nodeSetup: join(root, "tests", "_node_setup.ts"),
    build: join(root, "build"),
  };
  ensureBuilt(tools.build);
  const loadgen = join(tools.build, "bench_loadgen");
  // No discarded round by default: every runner warms up in-process
  // (JIT, caches), and the rounds are what a 15-minute run can afford. A
  // case may ask for one (`warmup: true`).
  const warmRounds = 0;
  const timeoutMs = opts.quick ? 60_000 : 180_000;
  const defs = allCases(tools)
    .filter((d) => !opts.cases || opts.cases.includes(d.id))
    // Quick mode leaves out the larger sizes of a curve (the same code).
    .map((d) => opts.quick ? { ...d, variants: d.variants.filter((v) => v.quick !== false) } : d);

  const results: Results = {
    date: new Date().toISOString(),
    quick: opts.quick,
    runs: opts.runs,
    machine: {
      os: `${os.type()} ${os.release()}`,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? "",
    },
    versions: {
      deno: version(tools.deno, ["--version"]),
      bun: version(tools.bun, ["--version"]),
      node: version(tools.node, ["--version"]),
    },
    load: { start: loadAvg(), end: [] },
    runtimes: {},
    seconds: 0,
  };

  for (const runtime of opts.runtimes) {
    const ctx: Ctx = { runtime, quick: opts.quick };
    const out: CaseResult[] = [];
    results.runtimes[runtime] = out;
    for (const def of defs) {
      const what = def.what(ctx);
      log(`bench: ${runtimeName(ctx)} ${def.id}: ${what}`);
      const raw = new Map<string, Record<string, number[]>>();
      // A variant that cannot run here (too few fds for 10,000
      // connections, say) is left out of the later rounds; the case is
      // skipped when every variant is.
      const skips = new Map<string, string>();
      let skipped: string | undefined;
      let error: string | undefined;
      const caseStart = Date.now();
      const runs = Math.min(opts.runs, def.runs ?? opts.runs);
      const warm = def.warmup === true && !opts.quick ? 1 : warmRounds;
      rounds: for (let round = 0; round < warm + runs; round++) {
        for (const v of def.variants) {
          if (skips.has(v.id)) continue;
          try {
            const outcome = await runJob(v.job(ctx), root, loadgen, timeoutMs);
            if ("skipped" in outcome) {
              skips.set(v.id, outcome.skipped);
              log(`bench: ${def.id}/${v.id} skipped: ${outcome.skipped}`);
              if (skips.size < def.variants.length) continue;
              skipped = outcome.skipped;
              break rounds;
            }
            if (round < warm) continue;
            const per = raw.get(v.id) ?? {};
            for (const [k, value] of Object.entries(outcome.figures)) (per[k] ??= []).push(value);
            raw.set(v.id, per);
          } catch (e) {
            error = e instanceof Error ? e.message : String(e);
            log(`bench: ${def.id}/${v.id} failed: ${error}`);
            break rounds;
          }
        }
      }
      const result = summarizeCase(def, what, raw, skips);
      if (skipped !== undefined) result.skipped = skipped;
      if (error !== undefined) result.error = error.slice(0, 2000);
      out.push(result);
      // Written after every case, marked partial: a run cut short still
      // leaves what it measured.
      if (opts.write) {
        results.seconds = (Date.now() - started) / 1000;
        write({ ...results, partial: true });
      }
      log(
        `bench: ${def.id} took ${((Date.now() - caseStart) / 1000).toFixed(1)} s${
          skipped ? ` (skipped: ${skipped})` : ""
        }`,
      );
    }
  }
  results.seconds = (Date.now() - started) / 1000;
  results.load!.end = loadAvg();

  console.log(renderMarkdown(results));
  if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2) + "\n");
  if (opts.write) {
    const files = write(results);
    log(`bench: wrote ${files.join(", ")}`);
  }
  log(`bench: done in ${results.seconds.toFixed(0)} s`);
  return results;
}

if (import.meta.main) {
  const results = await main(process.argv.slice(2));
  const failed = Object.values(results.runtimes).flat().filter((c) => c.error !== undefined);
  process.exit(failed.length === 0 ? 0 : 1);
}
