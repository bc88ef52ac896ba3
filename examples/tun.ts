// tun: a layer-3 virtual interface whose other end is an fd. In a private
// network namespace (never the host's), the example makes tun `evtun0` with
// 10.99.0.1/24 and plays the peer 10.99.0.2 from the fd:
//  - UDP out: datagrams the kernel sends to 10.99.0.2 are read from the fd;
//  - UDP in: datagrams written to the fd reach a socket bound to 10.99.0.1;
//  - ICMP echo: requests written to the fd come back as replies.
// Every packet's headers, checksums and payload bytes are checked.
//   sudo unshare -n deno run -A examples/tun.ts   |   sudo unshare -n bun examples/tun.ts
import { EventLoop, fd, NativeLibrary } from "../mod.ts";
import { spawnSync } from "node:child_process";
import { closeSync, constants, openSync, readFileSync } from "node:fs";
import process from "node:process";

const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_ICMP = 1;
const IPPROTO_UDP = 17;
const LOCAL = [10, 99, 0, 1];
const PEER = [10, 99, 0, 2];
const LOCAL_PORT = 4000;
const PEER_PORT = 5000;

const libc = NativeLibrary.open("libc.so.6", {
  // ioctl is variadic: declared here for its (int, unsigned long, void *) form.
  ioctl: { parameters: ["i32", "usize", "buffer"], result: "i32", errno: true },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32", errno: true },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32", errno: true },
  sendto: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
    result: "isize",
    errno: true,
  },
});

/** Whether this process runs in a fresh network namespace (only `lo`). */
export function inPrivateNetns(): boolean {
  try {
    const lines = readFileSync("/proc/net/dev", "utf8").trim().split("\n").slice(2);
    return lines.length === 1 && lines[0].trim().startsWith("lo:");
  } catch {
    return false;
  }
}

/** The Internet checksum (RFC 1071) of `bytes`. */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IPv4 packet from `src` to `dst` around `payload` (header checksum set). */
export function ipv4(
  protocol: number,
  src: number[],
  dst: number[],
  payload: Uint8Array,
): Uint8Array {
  const packet = new Uint8Array(20 + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x45; // version 4, 5-word header
  view.setUint16(2, packet.length);
  packet[8] = 64; // TTL
  packet[9] = protocol;
  packet.set(src, 12);
  packet.set(dst, 16);
  view.setUint16(10, checksum(packet.subarray(0, 20)));
  packet.set(payload, 20);
  return packet;
}

/** A UDP datagram (checksum 0: none, allowed over IPv4). */
function udp(srcPort: number, dstPort: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, srcPort);
  view.setUint16(2, dstPort);
  view.setUint16(4, out.length);
  out.set(data, 8);
  return out;
}

/** An ICMP echo request or reply (checksum set). */
export function icmpEcho(type: 8 | 0, id: number, seq: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const view = new DataView(out.buffer);
  out[0] = type;
  view.setUint16(4, id);
  view.setUint16(6, seq);
  out.set(data, 8);
  view.setUint16(2, checksum(out));
  return out;
}

function sockaddrIn(addr: number[], port: number): Uint8Array {
  const out = new Uint8Array(16);
  new DataView(out.buffer).setUint16(0, AF_INET, true);
  new DataView(out.buffer).setUint16(2, port); // network byte order
  out.set(addr, 4);
  return out;
}

function payload(kind: string, i: number): Uint8Array {
  const text = `${kind} #${i} `.padEnd(16 + (i % 48), String.fromCharCode(97 + (i % 26)));
  return new TextEncoder().encode(text);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Opens tun `name` (IFF_TUN, no packet info), non-blocking. */
function openTun(name: string): number {
  const tun = openSync("/dev/net/tun", constants.O_RDWR | constants.O_NONBLOCK);
  const ifr = new Uint8Array(40); // struct ifreq
  ifr.set(new TextEncoder().encode(name));
  new DataView(ifr.buffer).setUint16(16, IFF_TUN | IFF_NO_PI, true);
  if (libc.symbols.ioctl(tun, TUNSETIFF, ifr) < 0) {
    closeSync(tun);
    throw new Error(`TUNSETIFF failed: errno ${libc.errno}`);
  }
  return tun;
}

function ip(...args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
}

/** What the run saw. */
export interface TunReport {
  udpOut: number;
  udpIn: number;
  echoReplies: number;
  /** Packets read from the tun that were not ours (IPv6 router solicitations ...). */
  otherPackets: number;
}

/** `count` packets of each kind through tun `evtun0`, every byte checked. */
export async function runTun(count: number): Promise<TunReport> {
  if (!inPrivateNetns()) throw new Error("refusing to change the host's network: use unshare -n");
  const tun = openTun("evtun0");
  ip("addr", "add", "10.99.0.1/24", "dev", "evtun0");
  ip("link", "set", "evtun0", "up");
  const c = libc.symbols;
  const sock = c.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock < 0) throw new Error(`socket failed: errno ${libc.errno}`);
  const local = sockaddrIn(LOCAL, LOCAL_PORT);
  if (c.bind(sock, local, local.length) < 0) throw new Error(`bind failed: errno ${libc.errno}`);

  const report: TunReport = { udpOut: 0, udpIn: 0, echoReplies: 0, otherPackets: 0 };
  const fail = (what: string): never => {
    throw new Error(`tun: ${what}`);
  };
  let failure: unknown;
  using loop = new EventLoop();
  loop.setExceptionHandler((error) => {
    failure ??= error;
    loop.stop();
  });
  const done = () => {
    if (report.udpOut === count && report.udpIn === count && report.echoReplies === count) {
      loop.removeReader(tun);
      loop.removeReader(sock);
    }
  };

  // The peer's side: every packet the kernel routes to 10.99.0.2.
  const buf = new Uint8Array(2048);
  loop.addReader(tun, () => {
    const n = fd.read(tun, buf);
    if (n === null) return;
    const packet = buf.subarray(0, n);
    const view = new DataView(packet.buffer, packet.byteOffset, n);
    if (packet[0] >> 4 !== 4) return void report.otherPackets++;
    const headerLength = (packet[0] & 15) * 4;
    if (checksum(packet.subarray(0, headerLength)) !== 0) fail("bad IPv4 header checksum");
    if (view.getUint16(2) !== n) fail(`IPv4 length ${view.getUint16(2)}, read ${n}`);
    if (!sameBytes(packet.subarray(12, 16), new Uint8Array(LOCAL))) fail("wrong source");
    if (!sameBytes(packet.subarray(16, 20), new Uint8Array(PEER))) fail("wrong destination");
    const body = packet.subarray(headerLength);
    const bodyView = new DataView(body.buffer, body.byteOffset, body.length);
    if (packet[9] === IPPROTO_UDP) {
      if (bodyView.getUint16(0) !== LOCAL_PORT || bodyView.getUint16(2) !== PEER_PORT) {
        fail("wrong UDP ports");
      }
      const expected = payload("udp-out", report.udpOut);
      if (!sameBytes(body.subarray(8), expected)) fail(`UDP datagram ${report.udpOut} differs`);
      report.udpOut++;
    } else if (packet[9] === IPPROTO_ICMP) {
      if (checksum(body) !== 0) fail("bad ICMP checksum");
      if (body[0] !== 0) fail(`ICMP type ${body[0]}, expected an echo reply`);
      const seq = bodyView.getUint16(6);
      if (bodyView.getUint16(4) !== 0x4556 || seq !== report.echoReplies) {
        fail(`echo reply id/seq ${bodyView.getUint16(4)}/${seq}`);
      }
      if (!sameBytes(body.subarray(8), payload("ping", seq))) fail(`echo reply ${seq} differs`);
      report.echoReplies++;
    } else {
      report.otherPackets++;
    }
    done();
  });

  // The local socket: datagrams the peer sent into the tun.
  const datagram = new Uint8Array(2048);
  loop.addReader(sock, () => {
    const n = fd.read(sock, datagram);
    if (n === null) return;
    if (!sameBytes(datagram.subarray(0, n), payload("udp-in", report.udpIn))) {
      fail(`UDP datagram ${report.udpIn} into the tun differs`);
    }
    report.udpIn++;
    done();
  });

  // 25 of each per iteration: the readers drain in between, so neither the
  // socket's receive buffer nor the tun's queue (500 packets) can overflow.
  const peer = sockaddrIn(PEER, PEER_PORT);
  let sent = 0;
  const sendBatch = () => {
    const end = Math.min(count, sent + 25);
    for (let i = sent; i < end; i++) {
      const out = payload("udp-out", i);
      if (c.sendto(sock, out, out.length, 0, peer, peer.length) !== out.length) {
        fail(`sendto failed: errno ${libc.errno}`);
      }
      const into = ipv4(IPPROTO_UDP, PEER, LOCAL, udp(PEER_PORT, LOCAL_PORT, payload("udp-in", i)));
      if (fd.write(tun, into) !== into.length) fail("short write into the tun");
      const ping = ipv4(IPPROTO_ICMP, PEER, LOCAL, icmpEcho(8, 0x4556, i, payload("ping", i)));
      if (fd.write(tun, ping) !== ping.length) fail("short write into the tun");
    }
    sent = end;
    if (sent < count) loop.callLater(1, sendBatch);
  };
  loop.callSoon(sendBatch);
  await loop.run();
  fd.close(sock);
  fd.close(tun);
  if (failure) throw failure;
  return report;
}

if (import.meta.main) {
  if (!inPrivateNetns()) {
    console.log("skipped: not in a fresh network namespace; run it under `unshare -n` as root");
    process.exit(2);
  }
  const r = await runTun(200);
  console.log(
    `tun: ${r.udpOut} UDP datagrams out of the tun, ${r.udpIn} into it, ` +
      `${r.echoReplies} ICMP echo replies, every byte checked (${r.otherPackets} other packets)`,
  );
}
