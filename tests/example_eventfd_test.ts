// examples/eventfd_thread.ts for real: native C threads signal an eventfd
// the loop watches (tests/c/eventfd_producer.c, built by CMake).
import { assert, assertEquals } from "@std/assert";
import { runEventfd } from "../examples/eventfd_thread.ts";
import { test } from "./_harness.ts";

test("examples/eventfd_thread.ts counter mode: 4 C threads' writes sum exactly", async () => {
  const report = await runEventfd("counter", 4, 50_000);
  assertEquals(report.expected, 4 * 50_000 * 50_001 / 2);
  assertEquals(report.total, report.expected);
  // Writes coalesce in the counter: far fewer reads than writes.
  assert(report.reads >= 1 && report.reads <= 200_000, `${report.reads} reads`);
});

test("examples/eventfd_thread.ts semaphore mode: one read per unit, exact count", async () => {
  const report = await runEventfd("semaphore", 2, 100);
  assertEquals(report.expected, 2 * 5050);
  assertEquals(report.reads, report.expected);
  assertEquals(report.total, report.expected);
});
