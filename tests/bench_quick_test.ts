import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { assert, assertEquals } from "@std/assert";
import { runtime, scriptArgs, test } from "./_harness.ts";

// The orchestrator runs in this test's own runtime and measures that
// runtime only: under `deno test` the Deno cases, under `bun test` the Bun
// ones. Only that every case ran and gave finite numbers is asserted:
// quick-mode timings mean nothing.

interface QuickCase {
  id: string;
  skipped?: string;
  error?: string;
  variants: { id: string; runs: Record<string, number[]>; skipped?: string }[];
  ratios: { label: string; values: number[] }[];
}

/**
 * Under Node, `npm test` runs these cases only: each bench process loads the
 * TypeScript sources afresh (type stripping, about a second each), and every
 * case took 77 s of Node's suite. The cases' code is the same in every
 * runtime; what is Node's own (the waits, the sockets, the timers, an idle
 * park) is in these three. `EVLOOP_BENCH_QUICK_ALL=1` runs every case, as
 * the CI gate scripts/ci/bench_quick.sh does.
 */
const NODE_CASES = ["pingpong", "lateness", "idle_cost"];
const allCases = runtime !== "node" || process.env.EVLOOP_BENCH_QUICK_ALL === "1";

test(`bench --quick runs ${allCases ? "every case" : "its Node cases"} under ${runtime} with finite figures`, () => {
  const dir = mkdtempSync(join(tmpdir(), "evloop-bench-"));
  try {
    const json = join(dir, "results.json");
    const argv = scriptArgs(
      "bench/main.ts",
      "--quick",
      "--no-write",
      "--runtime",
      runtime,
      "--json",
      json,
      ...(allCases ? [] : ["--case", NODE_CASES.join(",")]),
    );
    const root = new URL("..", import.meta.url).pathname;
    const r = spawnSync(process.execPath, argv, { cwd: root, encoding: "utf8", timeout: 240_000 });
    assertEquals(r.status, 0, `bench --quick failed:\n${r.stdout}\n${r.stderr}`);
    const results = JSON.parse(readFileSync(json, "utf8"));
    assert(results.quick);
    const cases: QuickCase[] = results.runtimes[runtime];
    const ids = cases.map((c) => c.id);
    for (
      const id of allCases
        ? [
          "pingpong",
          "echo",
          "callsoon",
          "timers",
          "timer_cancel",
          "lateness",
          "idle_fds",
          "cross_thread",
          "idle_cost",
          "alloc",
          "curl",
          "libpq",
          "await_pingpong",
          "streams_bulk",
        ]
        : NODE_CASES
    ) assert(ids.includes(id), `case ${id} missing`);
    for (const c of cases) {
      assertEquals(c.error, undefined, `case ${c.id} failed`);
      // Only cross-thread may skip, while RemoteLoop is missing, and the
      // libcurl and libpq cases where their libraries are not installed
      // (scripts/ci/integrations.sh installs them in CI).
      if (c.skipped !== undefined) {
        if (["curl", "libpq"].includes(c.id)) {
          console.log(`bench case ${c.id}: skipped: ${c.skipped}`);
          assert(/not (installed|built)/.test(c.skipped), c.skipped);
        } else assertEquals(c.id, "cross_thread");
        continue;
      }
      for (const v of c.variants) {
        // A size the fd limit cannot hold is reported, not failed.
        if (v.skipped !== undefined) {
          console.log(`bench ${c.id}/${v.id}: skipped: ${v.skipped}`);
          continue;
        }
        const series = Object.values(v.runs);
        assert(series.length > 0, `${c.id}/${v.id} produced no figure`);
        for (const values of series) {
          assert(values.length > 0 && values.every(Number.isFinite), `${c.id}/${v.id}: ${values}`);
        }
      }
      for (const ratio of c.ratios) {
        assert(ratio.values.every(Number.isFinite), `${c.id} ${ratio.label}: ${ratio.values}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
