// examples/inotify.ts for real: 1,000 files created, modified, renamed and
// deleted under a watched directory; every record checked by the example.
import { assertEquals } from "@std/assert";
import { parseRecords, runInotify } from "../examples/inotify.ts";
import { test } from "./_harness.ts";

test("examples/inotify.ts sees every record of 1,000 files, renames paired, IN_IGNORED last", async () => {
  const report = await runInotify(1000);
  assertEquals(report.files, 1000);
  assertEquals(report.records, 6002); // 6 per file + DELETE_SELF + IGNORED
  assertEquals(report.renames, 1000);
});

test("parseRecords reads back-to-back records with NUL-padded names", () => {
  const buf = new Uint8Array(64);
  const view = new DataView(buf.buffer);
  view.setInt32(0, 1, true);
  view.setUint32(4, 0x100, true);
  view.setUint32(12, 16, true);
  buf.set(new TextEncoder().encode("abc"), 16);
  view.setInt32(32, 1, true);
  view.setUint32(36, 0x8000, true);
  view.setUint32(40, 7, true);
  assertEquals(parseRecords(buf, 48), [
    { wd: 1, mask: 0x100, cookie: 0, name: "abc" },
    { wd: 1, mask: 0x8000, cookie: 7, name: "" },
  ]);
});
