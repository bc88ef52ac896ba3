// examples/inotify.ts for real: 1,000 files created, modified, renamed and
// deleted under a watched directory through watchPath; every event checked
// by the example.
import { assertEquals } from "@std/assert";
import { runInotify } from "../examples/inotify.ts";
import { test } from "./_harness.ts";

test("examples/inotify.ts sees every record of 1,000 files, renames paired, IN_IGNORED last", async () => {
  const report = await runInotify(1000);
  assertEquals(report.files, 1000);
  assertEquals(report.records, 6002); // 6 per file + DELETE_SELF + IGNORED
  assertEquals(report.events, 5002); // each rename's two records are one event
  assertEquals(report.renames, 1000);
});

test("examples/inotify.ts runs in exclusive mode too", async () => {
  const report = await runInotify(10, { mode: "exclusive" });
  assertEquals([report.records, report.renames], [62, 10]);
});
