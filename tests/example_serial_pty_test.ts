// examples/serial_pty.ts for real: a line-protocol device on a raw pty,
// 10,000 commands, full buffers, and a hang-up from each side.
import { assert, assertEquals } from "@std/assert";
import { runSerial } from "../examples/serial_pty.ts";
import { test } from "./_harness.ts";

test("examples/serial_pty.ts answers 10,000 commands exactly and sees each side hang up", async () => {
  const report = await runSerial(10_000);
  assert(report.raw, "the slave is in raw mode");
  assertEquals(report.answersChecked, 10_000);
  // ~219 KB in one go is far more than a pty buffers: the client waited.
  assert(report.bytesSent > 200_000);
  assert(report.clientWaits >= 1, "the client's writes waited for writability");
  assertEquals(report.clientSawHangup, "EIO"); // Linux: the master reads EIO
  assert(["EOF", "EIO"].includes(report.deviceSawHangup), report.deviceSawHangup);
});
