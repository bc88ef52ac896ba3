// listSerialPorts(): well-formed entries on this machine, and the sysfs
// parsing on a tree built here (USB adapters with and without attributes,
// a CDC-ACM board, a legacy UART with no hardware, a virtual terminal,
// /dev/serial/by-id links).
import { assert, assertEquals } from "@std/assert";
import { listSerialPorts, type PortInfo } from "../serial.ts";
import { listSerialPortsIn } from "../src/devices/serial_list.ts";
import { runtime, test } from "./_harness.ts";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

const KEYS = [
  "path",
  "manufacturer",
  "serialNumber",
  "pnpId",
  "locationId",
  "vendorId",
  "productId",
];

function wellFormed(port: PortInfo): void {
  for (const [key, value] of Object.entries(port)) {
    assert(KEYS.includes(key), `unknown key ${key}`);
    assert(typeof value === "string" && value !== "", `${key} is ${JSON.stringify(value)}`);
  }
  assert(port.path.startsWith("/"), port.path);
}

test("listSerialPorts: an array of well-formed entries (none here has an empty string)", async () => {
  const ports = await listSerialPorts();
  assert(Array.isArray(ports));
  for (const port of ports) wellFormed(port);
  if (process.platform !== "linux") assertEquals(ports, []);
});

/** Writes `files` (path -> text) under `root`, making the directories. */
function tree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function link(root: string, from: string, to: string): void {
  mkdirSync(join(root, from, ".."), { recursive: true });
  symlinkSync(to, join(root, from));
}

test("listSerialPortsIn: USB attributes, by-id names and locations from a sysfs tree", async () => {
  const root = mkdtempSync(join(tmpdir(), "evloop-sysfs-"));
  try {
    const usb = "sys/devices/pci0000:00/0000:00:14.0/usb1";
    tree(root, {
      // An FTDI adapter: every attribute, with the newline sysfs ends them with.
      [`${usb}/1-1/1-1.4/idVendor`]: "0403\n",
      [`${usb}/1-1/1-1.4/idProduct`]: "6001\n",
      [`${usb}/1-1/1-1.4/manufacturer`]: "FTDI\n",
      [`${usb}/1-1/1-1.4/serial`]: "A1B2C3\n",
      [`${usb}/1-1/1-1.4/1-1.4:1.0/ttyUSB0/tty/ttyUSB0/dev`]: "188:0\n",
      // A CDC-ACM board: no serial number, an empty manufacturer.
      [`${usb}/1-2/idVendor`]: "2341\n",
      [`${usb}/1-2/idProduct`]: "0043\n",
      [`${usb}/1-2/manufacturer`]: "\n",
      [`${usb}/1-2/1-2:1.0/interface`]: "CDC ACM\n",
      // Two 8250 ports: one with a UART (type 4), one without (type 0).
      "sys/devices/platform/serial8250/tty/ttyS0/type": "4\n",
      "sys/devices/platform/serial8250/tty/ttyS1/type": "0\n",
      // A virtual terminal: no device link.
      "sys/devices/virtual/tty/tty0/dev": "4:0\n",
    });
    link(
      root,
      "sys/class/tty/ttyUSB0",
      `../../${usb.slice(4)}/1-1/1-1.4/1-1.4:1.0/ttyUSB0/tty/ttyUSB0`,
    );
    link(root, `${usb}/1-1/1-1.4/1-1.4:1.0/ttyUSB0/tty/ttyUSB0/device`, "../..");
    link(root, "sys/class/tty/ttyACM0", `../../${usb.slice(4)}/1-2/1-2:1.0/tty/ttyACM0`);
    mkdirSync(join(root, usb, "1-2/1-2:1.0/tty/ttyACM0"), { recursive: true });
    link(root, `${usb}/1-2/1-2:1.0/tty/ttyACM0/device`, "../..");
    link(root, "sys/class/tty/ttyS0", "../../devices/platform/serial8250/tty/ttyS0");
    link(root, "sys/devices/platform/serial8250/tty/ttyS0/device", "../..");
    link(root, "sys/class/tty/ttyS1", "../../devices/platform/serial8250/tty/ttyS1");
    link(root, "sys/devices/platform/serial8250/tty/ttyS1/device", "../..");
    link(root, "sys/class/tty/tty0", "../../devices/virtual/tty/tty0");
    link(root, "dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0", "../../ttyUSB0");
    link(root, "dev/serial/by-id/usb-Arduino_Uno-if00", "../../ttyACM0");

    const ports = await listSerialPortsIn({ sys: join(root, "sys"), dev: join(root, "dev") });
    for (const port of ports) wellFormed(port);
    const dev = join(root, "dev");
    assertEquals(ports, [
      {
        path: join(dev, "ttyACM0"),
        vendorId: "2341",
        productId: "0043",
        locationId: "1-2",
        pnpId: "usb-Arduino_Uno-if00",
      },
      { path: join(dev, "ttyS0") },
      {
        path: join(dev, "ttyUSB0"),
        manufacturer: "FTDI",
        serialNumber: "A1B2C3",
        vendorId: "0403",
        productId: "6001",
        locationId: "1-1.4",
        pnpId: "usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0",
      },
    ]);
    // No "" anywhere, and no key that is present but undefined.
    for (const port of ports) assert(!Object.values(port).includes(undefined));
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("listSerialPortsIn: a root with no class/tty lists nothing", async () => {
  assertEquals(await listSerialPortsIn({ sys: "/nonexistent-sys", dev: "/nonexistent-dev" }), []);
});

test("listSerialPorts: under Deno without -A it rejects and says why, never lists nothing", () => {
  if (runtime !== "deno" || process.platform !== "linux") return;
  const dir = mkdtempSync(join(tmpdir(), "evloop-list-"));
  const file = join(dir, "list.ts");
  writeFileSync(
    file,
    `const { listSerialPorts } = await import("${new URL("../serial.ts", import.meta.url).href}");
try { await listSerialPorts(); console.log("listed"); }
catch (e) { console.log(e.message); }
`,
  );
  // deno eval would grant everything: a script run with --allow-ffi only.
  const r = spawnSync(process.execPath, ["run", "--allow-ffi", file], {
    encoding: "utf8",
    timeout: 60_000,
  });
  rmSync(dir, { recursive: true });
  assertEquals(r.status, 0, r.stderr);
  assert(r.stdout.startsWith("Cannot list serial ports: "), r.stdout);
  assert(r.stdout.includes("(Deno reads /sys only with -A)"), r.stdout);
});
