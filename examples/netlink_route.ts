// netlink (NETLINK_ROUTE): link and address events, as `ip monitor` sees
// them. In a private network namespace (never the host's), a veth pair is
// made, 500 IPv4 addresses are added to it and removed, and the pair is
// deleted, by `ip -batch` running as a child process while the loop reads
// the events. Every address must be seen added once and removed once.
//   sudo unshare -n deno run -A examples/netlink_route.ts   |   sudo unshare -n bun examples/netlink_route.ts
import { EventLoop, fd, NativeLibrary, SystemError } from "../mod.ts";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const RTMGRP_LINK = 0x1;
const RTMGRP_IPV4_IFADDR = 0x10;
const SOL_SOCKET = 1;
const SO_RCVBUFFORCE = 33;
const NLMSG_ERROR = 2;
const NLMSG_OVERRUN = 4;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const IFLA_IFNAME = 3;
const IFA_LOCAL = 2;
const IFF_UP = 0x1;

const libc = NativeLibrary.open("libc.so.6", {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32", errno: true },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32", errno: true },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32", errno: true },
});

/**
 * Whether this process runs in a fresh network namespace: one whose only
 * interface is `lo` (/proc/net/dev lists this namespace's). The host's
 * always has more, so the example never touches it.
 */
export function inPrivateNetns(): boolean {
  try {
    const lines = readFileSync("/proc/net/dev", "utf8").trim().split("\n").slice(2);
    return lines.length === 1 && lines[0].trim().startsWith("lo:");
  } catch {
    return false;
  }
}

/** One parsed route-netlink message. */
export interface RouteEvent {
  type: "NEWLINK" | "DELLINK" | "NEWADDR" | "DELADDR";
  /** The interface index. */
  index: number;
  /** The link's name (link events). */
  name?: string;
  /** The link's flags (link events). */
  flags?: number;
  /** The IPv4 address (address events). */
  address?: string;
}

const TYPES: Record<number, RouteEvent["type"]> = {
  [RTM_NEWLINK]: "NEWLINK",
  [RTM_DELLINK]: "DELLINK",
  [RTM_NEWADDR]: "NEWADDR",
  [RTM_DELADDR]: "DELADDR",
};

const align = (n: number) => (n + 3) & ~3;

/** Walks the `struct rtattr`s in `[at, end)`: `(type, offset, length)` of each payload. */
function attributes(view: DataView, at: number, end: number): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  while (at + 4 <= end) {
    const len = view.getUint16(at, true);
    if (len < 4) break;
    out.set(view.getUint16(at + 2, true), [at + 4, len - 4]);
    at += align(len);
  }
  return out;
}

/**
 * Parses the messages in `buf[0, n)`: `struct nlmsghdr` (len, type, flags,
 * seq, pid) then `struct ifinfomsg` (16 bytes) or `struct ifaddrmsg` (8),
 * then attributes.
 */
export function parseRouteMessages(buf: Uint8Array, n: number): RouteEvent[] {
  const view = new DataView(buf.buffer, buf.byteOffset, n);
  const out: RouteEvent[] = [];
  for (let at = 0; at + 16 <= n;) {
    const len = view.getUint32(at, true);
    const type = view.getUint16(at + 4, true);
    if (len < 16 || at + len > n) throw new Error(`netlink: bad message length ${len}`);
    if (type === NLMSG_OVERRUN) throw new Error("netlink: overrun (events were lost)");
    if (type === NLMSG_ERROR) throw new Error(`netlink: error ${view.getInt32(at + 16, true)}`);
    const body = at + 16;
    const kind = TYPES[type];
    if (kind === "NEWLINK" || kind === "DELLINK") {
      const attrs = attributes(view, body + 16, at + len);
      const name = attrs.get(IFLA_IFNAME);
      out.push({
        type: kind,
        index: view.getInt32(body + 4, true),
        flags: view.getUint32(body + 8, true),
        name: name && new TextDecoder().decode(buf.subarray(name[0], name[0] + name[1] - 1)),
      });
    } else if (kind === "NEWADDR" || kind === "DELADDR") {
      const attrs = attributes(view, body + 8, at + len);
      const local = attrs.get(IFA_LOCAL);
      out.push({
        type: kind,
        index: view.getUint32(body + 4, true),
        address: local && [...buf.subarray(local[0], local[0] + 4)].join("."),
      });
    }
    at += align(len);
  }
  return out;
}

/** Opens a route-netlink socket subscribed to link and IPv4 address events. */
function openRouteSocket(): number {
  const c = libc.symbols;
  const sock = c.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) throw new Error(`socket(AF_NETLINK) failed: errno ${libc.errno}`);
  // Room for a burst: 1,000 address events arrive faster than one read.
  const size = new Int32Array([4 << 20]);
  c.setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, size, 4); // root only; best effort
  const addr = new Uint8Array(12); // struct sockaddr_nl
  const view = new DataView(addr.buffer);
  view.setUint16(0, AF_NETLINK, true);
  view.setUint32(8, RTMGRP_LINK | RTMGRP_IPV4_IFADDR, true);
  if (c.bind(sock, addr, addr.length) < 0) throw new Error(`bind failed: errno ${libc.errno}`);
  return sock;
}

/** What the run saw. */
export interface NetlinkReport {
  addresses: number;
  newAddr: number;
  delAddr: number;
  newLink: number;
  delLink: number;
  /** Whether a NEWLINK reported ev0 up. */
  sawUp: boolean;
  messages: number;
  reads: number;
}

function runIp(commands: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["-batch", "-"], { stdio: ["pipe", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) => code === 0 ? resolve() : reject(new Error(`ip exited ${code}`)));
    child.stdin!.end(commands.join("\n") + "\n");
  });
}

/**
 * Makes veth pair ev0/ev1, adds `count` addresses to ev0 and removes them,
 * deletes the pair; checks every event on a route-netlink socket.
 */
export async function runNetlink(
  count: number,
  options: { onEvent?: (event: RouteEvent) => void } = {},
): Promise<NetlinkReport> {
  if (!inPrivateNetns()) throw new Error("refusing to change the host's network: use unshare -n");
  const address = (i: number) => `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  const commands = [
    "link add ev0 type veth peer name ev1",
    "link set ev0 up",
    ...Array.from({ length: count }, (_, i) => `addr add ${address(i)}/32 dev ev0`),
    ...Array.from({ length: count }, (_, i) => `addr del ${address(i)}/32 dev ev0`),
    "link del ev0", // takes ev1 with it
  ];
  const sock = openRouteSocket();
  const report: NetlinkReport = {
    addresses: count,
    newAddr: 0,
    delAddr: 0,
    newLink: 0,
    delLink: 0,
    sawUp: false,
    messages: 0,
    reads: 0,
  };
  const added = new Set<string>();
  const removed = new Set<string>();
  const deletedLinks = new Set<string>();
  const fail = (what: string): never => {
    throw new Error(`netlink: ${what}`);
  };
  let failure: unknown;
  using loop = new EventLoop();
  loop.setExceptionHandler((error) => {
    failure ??= error;
    loop.stop();
  });
  const buf = new Uint8Array(256 * 1024);
  loop.addReader(sock, () => {
    let n: number | null;
    try {
      n = fd.read(sock, buf);
    } catch (error) {
      if (error instanceof SystemError && error.code === "ENOBUFS") fail("ENOBUFS: events lost");
      throw error;
    }
    if (n === null) return;
    report.reads++;
    for (const event of parseRouteMessages(buf, n)) {
      report.messages++;
      options.onEvent?.(event);
      switch (event.type) {
        case "NEWADDR":
          if (added.has(event.address!)) fail(`${event.address} added twice`);
          added.add(event.address!);
          report.newAddr++;
          break;
        case "DELADDR":
          if (!added.has(event.address!)) fail(`${event.address} removed before it was added`);
          if (removed.has(event.address!)) fail(`${event.address} removed twice`);
          removed.add(event.address!);
          report.delAddr++;
          break;
        case "NEWLINK":
          report.newLink++;
          if (event.name === "ev0" && (event.flags! & IFF_UP) !== 0) report.sawUp = true;
          break;
        case "DELLINK":
          report.delLink++;
          deletedLinks.add(event.name!);
          break;
      }
    }
    if (deletedLinks.has("ev0") && deletedLinks.has("ev1") && removed.size === count) {
      loop.removeReader(sock);
    }
  });
  // The child runs on the host's event loop while this loop waits (hosted).
  const ip = runIp(commands).catch((error) => {
    failure ??= error; // ip failed: nothing more will come
    loop.stop();
  });
  await loop.run();
  fd.close(sock);
  await ip;
  if (failure) throw failure;
  for (let i = 0; i < count; i++) {
    if (!added.has(address(i)) || !removed.has(address(i))) fail(`${address(i)} missed`);
  }
  if (added.size !== count) fail(`${added.size} addresses added, expected ${count}`);
  if (!report.sawUp) fail("no NEWLINK with ev0 up");
  return report;
}

if (import.meta.main) {
  if (!inPrivateNetns()) {
    console.log("skipped: not in a fresh network namespace; run it under `unshare -n` as root");
    process.exit(2);
  }
  const r = await runNetlink(500);
  console.log(
    `netlink: ${r.newAddr} NEWADDR and ${r.delAddr} DELADDR for ${r.addresses} addresses, ` +
      `${r.newLink} NEWLINK (ev0 up: ${r.sawUp}), ${r.delLink} DELLINK; ` +
      `${r.messages} messages in ${r.reads} reads`,
  );
}
