// The per-file leak gate (tests/_leaks.ts) fails a file that leaves a loop,
// an fd or a thread behind, and passes one that leaves nothing: a fixture
// file run by this runtime in a child process.
import { spawnSync } from "node:child_process";
import process from "node:process";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { test, testArgs } from "./_harness.ts";

const fixture = decodeURIComponent(new URL("./fixtures/leaky_file.ts", import.meta.url).pathname);

function runFixture(leak: string): { status: number | null; output: string } {
  // node --test marks its children (NODE_TEST_CONTEXT) and a marked one
  // runs no file of its own: the fixture's run is a runner of its own.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, testArgs(fixture), {
    env: { ...env, NO_COLOR: "1", EVLOOP_LEAK: leak, EVLOOP_LEAK_SETTLE_MS: "300" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

test("leak gate passes a test file that leaves nothing behind", () => {
  const { status, output } = runFixture("none");
  assert(!output.includes("Leak gate"), output);
  assertEquals(status, 0, output);
});

test("leak gate fails a test file's last test for a leaked loop, fd and Worker thread", () => {
  const { status, output } = runFixture("loop,fd,worker");
  assert(status !== 0, output);
  assertStringIncludes(output, "Leak gate: tests/fixtures/leaky_file.ts left behind");
  assertStringIncludes(output, "loops open: 0 before, 1 after");
  assertMatch(output, /fds opened and never closed: .*pipe:\[\d+\].*pipe:\[\d+\]/);
  assertMatch(output, /threads named "(worker-\d+|Worker|WorkerThread)": 0 before, 1 after/);
});
