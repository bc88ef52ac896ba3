// examples/pri_file.ts for real: cgroup v2's cgroup.events watched with PRI
// and re-read with pread on every change (the GPIO sysfs pattern).
import { assertEquals } from "@std/assert";
import { cgroupUnavailable, parseInputEvents, runCgroupEvents } from "../examples/pri_file.ts";
import { reportsPri, test } from "./_harness.ts";

const reason = !reportsPri ? "this poller cannot report PRI (libkqueue)" : cgroupUnavailable();

if (reason !== null) {
  console.log(`skipped: examples/pri_file.ts cgroup.events: ${reason}`);
} else {
  test("examples/pri_file.ts sees every cgroup.events change through PRI, in order", async () => {
    const report = await runCgroupEvents(10);
    const round = [
      "populated 1 frozen 0",
      "populated 1 frozen 1",
      "populated 1 frozen 0",
      "populated 0 frozen 0",
    ];
    assertEquals(report.states, Array.from({ length: 10 }, () => round).flat());
  });
}

test("parseInputEvents reads 24-byte struct input_event records (the evdev path)", () => {
  const buf = new Uint8Array(48);
  const view = new DataView(buf.buffer);
  view.setBigInt64(0, 1700000000n, true);
  view.setBigInt64(8, 250n, true);
  view.setUint16(16, 1, true); // EV_KEY
  view.setUint16(18, 30, true); // KEY_A
  view.setInt32(20, 1, true); // pressed
  view.setUint16(40, 0, true); // EV_SYN at the second record
  assertEquals(parseInputEvents(buf, 48), [
    { seconds: 1700000000, microseconds: 250, type: 1, code: 30, value: 1 },
    { seconds: 0, microseconds: 0, type: 0, code: 0, value: 0 },
  ]);
});
