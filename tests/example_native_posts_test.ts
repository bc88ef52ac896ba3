// examples/native_posts.ts for real: pthreads (tests/c/pummel.c, built by
// CMake) post calls into a loop's inbox with el_inbox_post.
import { assertEquals } from "@std/assert";
import { runNativePosts } from "../examples/native_posts.ts";
import { test } from "./_harness.ts";

test("examples/native_posts.ts runs 4 x 10,000 calls from pthreads, each once and in order", async () => {
  const report = await runNativePosts(4, 10_000);
  assertEquals(report.calls, 40_000);
  assertEquals(report.inOrder, true);
});

test("examples/native_posts.ts in exclusive mode delivers every call too", async () => {
  const report = await runNativePosts(2, 1000, { mode: "exclusive" });
  assertEquals(report.calls, 2000);
  assertEquals(report.inOrder, true);
});
