// examples/netlink_route.ts and examples/tun.ts for real, each in a fresh
// private network namespace this test makes (`unshare -n`, as root). A Deno
// or Bun process is multithreaded, so unshare(CLONE_NEWNET) cannot be done
// in-process safely: the example runs as a child under `unshare -n`, with the
// runtime running this test.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { assertEquals, assertStringIncludes } from "@std/assert";
import { scriptArgs, scriptCommand, test } from "./_harness.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);

function unavailable(): string | null {
  if (process.platform !== "linux") return "network namespaces are Linux-only";
  if (process.getuid?.() !== 0) return "not root (unshare -n needs CAP_SYS_ADMIN)";
  const probe = spawnSync("unshare", ["-n", "ip", "link", "show", "lo"]);
  if (probe.error) return `unshare or ip is missing: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare -n failed: ${String(probe.stderr).trim()}`;
  return null;
}

function runInNetns(example: string): { status: number | null; out: string } {
  const r = spawnSync("unshare", ["-n", process.execPath, ...scriptArgs(example)], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const reason = unavailable();
if (reason !== null) {
  console.log(`skipped: examples/netlink_route.ts and examples/tun.ts: ${reason}`);
} else {
  test("examples/netlink_route.ts sees link and address events for 500 addresses in a private netns", () => {
    const r = runInNetns("examples/netlink_route.ts");
    assertEquals(r.status, 0, r.out);
    // The example checks each address added once and removed once.
    assertStringIncludes(r.out, "500 NEWADDR and 500 DELADDR for 500 addresses");
    assertStringIncludes(r.out, "(ev0 up: true), 2 DELLINK");
  });

  const tunReason = existsSync("/dev/net/tun") ? null : "/dev/net/tun is missing";
  if (tunReason !== null) {
    console.log(`skipped: examples/tun.ts: ${tunReason}`);
  } else {
    test("examples/tun.ts moves UDP both ways and answers ICMP echo through a tun fd", () => {
      const r = runInNetns("examples/tun.ts");
      assertEquals(r.status, 0, r.out);
      assertStringIncludes(
        r.out,
        "tun: 200 UDP datagrams out of the tun, 200 into it, 200 ICMP echo replies",
      );
    });
  }
}

test("examples/netlink_route.ts refuses to run outside a fresh network namespace", () => {
  const r = spawnSync(...scriptCommand("examples/netlink_route.ts"), {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  assertEquals(r.status, 2, r.stderr);
  assertStringIncludes(r.stdout, "skipped: not in a fresh network namespace");
});
