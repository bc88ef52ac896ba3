// The docs' code runs: every TypeScript block of README.md and docs/*.md
// is a doc test (`deno test --doc`), run here so CI sees a page go stale.
// The API reference's examples (src/) run in `npm run ok`.
import { assert, assertEquals } from "@std/assert";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { runtime, test } from "./_harness.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
const pages = ["README.md", ...readdirSync(join(root, "docs")).map((f) => `docs/${f}`)]
  .filter((f) => f.endsWith(".md"));

test("README.md and docs/*.md: every TypeScript block runs", () => {
  // Doc tests are Deno's (`deno test --doc`): one run checks the pages,
  // whichever runtime's suite this is; the Deno suite makes it.
  if (runtime !== "deno") return;
  const deno = join(root, "node_modules", ".bin", "deno");
  const r = spawnSync(deno, ["test", "--doc", "-A", ...pages], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 120_000,
  });
  assertEquals(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const ran = r.stdout.match(/ok \| (\d+) passed/);
  assert(ran !== null && Number(ran[1]) >= 12, r.stdout);
});
