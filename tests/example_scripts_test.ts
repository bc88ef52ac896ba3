// The examples are single files that run unchanged under `deno run`,
// `bun` and `node`: run a few as scripts under the runtime running this test (the
// others run by import in their own tests, or as children in a netns).
import { spawnSync } from "node:child_process";
import process from "node:process";
import { assertEquals, assertStringIncludes } from "@std/assert";
import { scriptCommand, test } from "./_harness.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);

function script(file: string): { status: number | null; out: string } {
  const r = spawnSync(...scriptCommand(file), {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 60_000,
  });
  // A signal that ended it is named in the output a failure shows.
  const ended = r.signal === null ? "" : `\n(ended by ${r.signal})`;
  return { status: r.status, out: `${r.stdout}${r.stderr}${ended}` };
}

test("examples/eventfd_thread.ts runs as a script and prints exact sums", () => {
  const r = script("examples/eventfd_thread.ts");
  assertEquals(r.status, 0, r.out);
  assertStringIncludes(r.out, "summed to 5000100000 (expected 5000100000)");
  assertStringIncludes(r.out, "semaphore: 10100 reads summed to 10100 (expected 10100)");
});

test("examples/serial_pty.ts runs as a script and checks 10,000 answers", () => {
  const r = script("examples/serial_pty.ts");
  assertEquals(r.status, 0, r.out);
  assertStringIncludes(r.out, "serial: 10000/10000 answers checked");
});
