// The Node binding's own behaviour: the one error of a Node without
// node:ffi, hosted mode's wait in libuv's own loop (no thread of evloop's;
// addons needed, exclusive mode without), and el_node_* outside Node.
import { EventLoop } from "@evloop/evloop";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import process from "node:process";
import { lib } from "../ffi/load.ts";
import { ffiUnavailable } from "../ffi/node.ts";
import { runtime, test } from "./_harness.ts";

const ENOSYS = 38;
const modUrl = new URL("../mod.ts", import.meta.url).href;

test("ffiUnavailable() says what a Node without node:ffi needs", () => {
  assertEquals(
    ffiUnavailable("22.3.0", []).message,
    "Cannot load evloop: Node 22.3.0 has no node:ffi (it needs Node ≥ 26.1, started with " +
      "--experimental-ffi before 26.9)",
  );
  assertEquals(
    ffiUnavailable("26.5.0", []).message,
    "Cannot load evloop: node:ffi is not enabled (start node with --experimental-ffi, Node ≥ 26.1)",
  );
  assertStringIncludes(
    ffiUnavailable("26.12.1", ["--no-experimental-ffi"]).message,
    "node:ffi is not enabled (node was started with --no-experimental-ffi: drop it)",
  );
  assertStringIncludes(ffiUnavailable("26.12.1", []).message, "built without libffi");
});

if (runtime !== "node") {
  test(`el_node_park() outside Node answers -ENOSYS (${runtime})`, () => {
    const id = lib.el_loop_open();
    try {
      assertEquals(lib.el_node_park(id, 0), -ENOSYS);
      assertEquals(lib.el_node_detach(id), 0);
    } finally {
      lib.el_loop_close(id);
    }
  });
} else {
  /** Runs `code` (an ES module) in a Node started with `flags`. */
  const node = (flags: string[], code: string) => {
    const r = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", code], {
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };

  test("import evloop under node --no-experimental-ffi: one error that says what is needed", () => {
    const r = node(["--no-experimental-ffi"], `await import(${JSON.stringify(modUrl)});`);
    assert(r.status !== 0, r.out);
    assertStringIncludes(
      r.out,
      "Cannot load evloop: node:ffi is not enabled (node was started with --no-experimental-ffi",
    );
  });

  test("EventLoop hosted under node --no-addons: the park says why, exclusive mode runs", () => {
    const r = node(
      ["--no-addons"],
      `const { EventLoop } = await import(${JSON.stringify(modUrl)});
      for (const mode of ["exclusive", "hosted"]) {
        const loop = new EventLoop({ mode });
        loop.callLater(5, () => {});
        try {
          await loop.run();
          console.log(mode, "ran");
        } catch (error) {
          console.log(mode, "failed:", error.message);
        }
        loop.destroy();
      }`,
    );
    assertEquals(r.status, 0, r.out);
    assertStringIncludes(r.out, "exclusive ran");
    assertStringIncludes(r.out, "hosted failed: Cannot park the loop: hosted mode on Node loads");
    assertStringIncludes(r.out, "--no-addons");
  });

  test("EventLoop hosted on Node: a park waits in libuv's loop, with no thread of evloop's", async () => {
    const threads = () => readdirSync("/proc/self/task").length;
    using loop = new EventLoop();
    let during = 0;
    const before = threads();
    // Host code runs while the loop is parked (it has only a 50 ms timer).
    const host = setTimeout(() => during = threads(), 20);
    const started = loop.time();
    loop.callLater(50, () => {});
    await loop.run();
    clearTimeout(host);
    assert(loop.time() - started >= 50);
    assertEquals(during, before);
    assertEquals(threads(), before);
  });
}
