// The house rules of src/, checked: folders by concept, each saying its
// role in a README; imports point down the layers only (type-only imports
// included), so no import circle can form; the core knows no feature.
import { assert, assertEquals } from "@std/assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { test } from "./_harness.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
const src = join(root, "src");

/** The folders, lowest first: each imports only folders before it (and ffi/). */
const LAYERS = [["sys"], ["core"], ["signals", "threads"], ["async"], ["api"], ["devices"]];
const rank = new Map(LAYERS.flatMap((names, i) => names.map((name) => [name, i] as const)));

/** Every .ts file under src/, relative to src/ ("core/poller.ts"). */
function sources(): string[] {
  return readdirSync(src, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(src, dir.name)).filter((f) => f.endsWith(".ts")).map((f) =>
        `${dir.name}/${f}`
      )
    );
}

/** The relative imports of `file`, resolved against src/ (doc examples excluded). */
function importsOf(file: string): string[] {
  const code = readFileSync(join(src, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const specs = [...code.matchAll(/(?:import|export)[^"';]*?from\s+"(\.[^"]+)"/g)].map((m) => m[1]);
  return specs.map((spec) => normalize(relative(src, join(src, dirname(file), spec))));
}

test("src/ is folders by concept, each with a README that says its role", () => {
  const dirs = readdirSync(src, { withFileTypes: true });
  assertEquals(dirs.filter((d) => !d.isDirectory()).map((d) => d.name), []);
  for (const dir of dirs) {
    assert(rank.has(dir.name), `src/${dir.name} has no place in the layers`);
    assert(existsSync(join(src, dir.name, "README.md")), `src/${dir.name} has no README.md`);
  }
});

test("src/ imports point down the layers only: no import circle", () => {
  const upward: string[] = [];
  const sideways: string[] = [];
  for (const file of sources()) {
    const from = file.split("/")[0];
    for (const target of importsOf(file)) {
      if (target.startsWith("../")) continue; // ffi/
      const to = target.split("/")[0];
      if (to === from) continue;
      if (rank.get(to)! > rank.get(from)!) upward.push(`${file} -> ${target}`);
      else if (rank.get(to) === rank.get(from)) sideways.push(`${file} -> ${target}`);
    }
  }
  assertEquals(upward, []);
  assertEquals(sideways, []);
  // Within a folder too: a depth-first search finds no cycle.
  const graph = new Map(sources().map((f) => [f, importsOf(f)]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assertEquals(cycles, []);
});

test("the core knows no feature, and only the native poller knows the shim's loop id", () => {
  for (const file of sources()) {
    const code = readFileSync(join(src, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    if (file.startsWith("core/")) {
      for (const feature of ["Inbox", "SignalRegistry", "SignalWatch", "RemoteLoop"]) {
        assert(!new RegExp(`\\b${feature}\\b`).test(code), `${file} names ${feature}`);
      }
    }
    if (file !== "core/poller.ts") {
      assert(!/\bpoller\.id\b/.test(code), `${file} reads poller.id`);
    }
  }
});
