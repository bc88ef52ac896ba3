// loop.streams(): Web Streams over pipes, socketpairs, TCP and ptys; end of
// file, hang-up and errors; backpressure with bounded memory; no leaks.
import { EventLoop, fd, SystemError } from "@evloop/evloop";
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { newFds, openFds, test } from "./_harness.ts";
import { assertIdle, eachLoop, type Subject } from "./_loops.ts";
import { openPty } from "./_pty.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (s: string) => new TextEncoder().encode(s);

/** The chunks of a stream (TypeScript's DOM types lack its async iterator). */
async function* chunksOf(readable: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = readable.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Whether `f` is open (fcntl through the shim's dup). */
function isOpen(f: number): boolean {
  try {
    fd.close(fd.dup(f));
    return true;
  } catch {
    return false;
  }
}

eachLoop(test, "streams() reads a pipe to its end and closes the fd with closeFd", async (s) => {
  const before = openFds();
  const [r, w] = fd.pipe();
  const streams = s.loop.streams(r, { closeFd: true });
  const got = await s.during(async () => {
    await streams.writable.abort();
    s.loop.sleep(1).then(() => {
      fd.write(w, bytes("one,"));
      return s.loop.sleep(1);
    }).then(() => {
      fd.write(w, bytes("two"));
      fd.close(w);
    });
    return await new Response(streams.readable).text();
  });
  assertEquals(got, "one,two");
  assert(!isOpen(r));
  assertIdle(s);
  assertEquals(newFds(before), []);
});

eachLoop(
  test,
  "streams() both ways on a socketpair; writable close() shuts down the write side",
  async (s) => {
    const [a, b] = fd.socketpair();
    using ours = s.loop.streams(a);
    using theirs = s.loop.streams(b);
    const [back, forth] = await s.during(async () => {
      const w1 = ours.writable.getWriter();
      const w2 = theirs.writable.getWriter();
      await w1.write(bytes("ping"));
      await w1.close(); // b reads end of file; a can still read
      const forth = await new Response(theirs.readable).text();
      await w2.write(bytes("pong"));
      await w2.close();
      const back = await new Response(ours.readable).text();
      return [back, forth];
    });
    assertEquals([back, forth], ["pong", "ping"]);
    // Both sides done: the watches are gone, the fds stay open (no closeFd).
    assertIdle(s);
    assert(isOpen(a) && isOpen(b));
    fd.close(a);
    fd.close(b);
  },
);

eachLoop(
  test,
  "streams() readable is a byte stream: a BYOB reader fills its own buffer",
  async (s) => {
    const [a, b] = fd.socketpair();
    using streams = s.loop.streams(b, { closeFd: true });
    const got = await s.during(async () => {
      const reader = streams.readable.getReader({ mode: "byob" });
      fd.write(a, bytes("abcdef"));
      const first = await reader.read(new Uint8Array(4));
      const second = await reader.read(new Uint8Array(16));
      fd.close(a);
      const end = await reader.read(new Uint8Array(16));
      return [text(first.value!), text(second.value!), end.done];
    });
    assertEquals(got, ["abcd", "ef", true]);
  },
);

eachLoop(
  test,
  "streams() over a pty: lines both ways, end of file when the other side closes",
  async (s) => {
    const { master, slave } = openPty();
    using streams = s.loop.streams(master, { closeFd: true });
    const got = await s.during(async () => {
      const writer = streams.writable.getWriter();
      // The terminal's line discipline: "\n" becomes "\r\n" towards the
      // master; a line written to the master reaches the slave (and echoes).
      fd.write(slave, bytes("from device\n"));
      const reader = streams.readable.getReader();
      let seen = "";
      while (!seen.includes("\r\n")) seen += text((await reader.read()).value!);
      await writer.write(bytes("to device\n"));
      await s.loop.readable(slave);
      const buf = new Uint8Array(64);
      const line = text(buf.subarray(0, fd.read(slave, buf)!));
      // Hang-up: the master reads EIO, which ends the stream.
      fd.close(slave);
      let rest = "";
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        rest += text(r.value);
      }
      await writer.close();
      return [seen, line, rest];
    });
    assertEquals(got[0], "from device\r\n");
    assertEquals(got[1], "to device\n");
    assertIdle(s);
    assert(!isOpen(master));
  },
);

eachLoop(
  test,
  "streams() errors carry the SystemError: EPIPE to a gone peer, EBADF reading a write end",
  async (s) => {
    const [a, b] = fd.socketpair();
    const [r, w] = fd.pipe();
    using streams = s.loop.streams(a);
    using writeEnd = s.loop.streams(w);
    const [epipe, ebadf] = await s.during(async () => {
      fd.close(b);
      const e1 = await streams.writable.getWriter().write(bytes("x")).catch((e) => e);
      const e2 = await writeEnd.readable.getReader().read().catch((e) => e);
      return [e1, e2];
    });
    assert(epipe instanceof SystemError && epipe.code === "EPIPE", String(epipe));
    assert(ebadf instanceof SystemError && ebadf.code === "EBADF", String(ebadf));
    for (const f of [a, r, w]) fd.close(f);
  },
);

eachLoop(
  test,
  "streams() owns its fd until both sides are done, and dispose lets it go at once",
  async (s) => {
    const [r, w] = fd.pipe();
    // A read pending when disposed rejects; nothing is left. (Before the
    // run: an EventLoop whose run ended refuses new streams.)
    const first = s.loop.streams(r);
    const reading = first.readable.getReader().read();
    first[Symbol.dispose]();
    await assertRejects(() => reading);
    assertIdle(s);
    const streams = s.loop.streams(r);
    assertThrows(() => s.loop.streams(r), SystemError, "already watched");
    await assertRejects(() => s.loop.readable(r), SystemError, "already watched");
    await s.during(async () => {
      await streams.readable.cancel();
      // The writable is still open: the fd is still owned.
      assertEquals(s.core.watchCount, 1);
      await streams.writable.close();
    });
    assertIdle(s);
    assertThrows(() => s.loop.streams(r, { highWaterMark: 0 }), RangeError);
    assertThrows(() => s.loop.streams(r, { closeFd: 1 as unknown as boolean }), TypeError);
    assertThrows(() => s.loop.streams(-1), RangeError);
    fd.close(r);
    fd.close(w);
  },
);

eachLoop(test, "streams() writer.abort() ends a write the peer never takes", async (s) => {
  const [a, b] = fd.socketpair();
  using streams = s.loop.streams(a);
  const outcome = await s.during(async () => {
    const writer = streams.writable.getWriter();
    // More than the socket buffers hold: the write waits for the peer.
    const stuck = writer.write(new Uint8Array(16 << 20));
    await s.loop.sleep(5);
    await writer.abort(new Error("give up"));
    await streams.readable.cancel();
    return await stuck.then(() => "written", (e) => String(e));
  });
  assertEquals(outcome, "Error: give up");
  assertIdle(s);
  fd.close(a);
  fd.close(b);
});

const MiB = 1 << 20;

/** Byte i of a transfer: a pattern that catches reordering and loss. */
function pattern(offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = ((offset + i) * 131 + ((offset + i) >> 16)) & 255;
  return out;
}

/** Writes `total` bytes of the pattern in 1 MiB chunks; returns bytes taken. */
async function sendAll(
  writable: WritableStream<Uint8Array>,
  total: number,
  progress: { sent: number },
): Promise<void> {
  const writer = writable.getWriter();
  for (let off = 0; off < total; off += MiB) {
    await writer.write(pattern(off, Math.min(MiB, total - off)));
    progress.sent = off + MiB;
  }
  await writer.close();
}

/** Reads to the end, checking the pattern; slow: pauses on the loop. */
async function receiveAll(
  s: Subject,
  readable: ReadableStream<Uint8Array>,
  slow: boolean,
  check: (received: number) => void,
): Promise<number> {
  let received = 0;
  let chunks = 0;
  for await (const chunk of chunksOf(readable)) {
    const want = pattern(received, chunk.length);
    for (let i = 0; i < chunk.length; i += 4093) {
      if (chunk[i] !== want[i]) throw new Error(`byte ${received + i} differs`);
    }
    if (chunk[chunk.length - 1] !== want[chunk.length - 1]) throw new Error("last byte differs");
    received += chunk.length;
    check(received);
    if (slow && ++chunks % 64 === 0) await s.loop.sleep(1);
  }
  return received;
}

eachLoop(
  test,
  "streams() over TCP: 64 MiB both ways at once with a slow reader, memory bounded",
  async (s) => {
    const TOTAL = 64 * MiB;
    const server = fd.tcpListen("127.0.0.1", 0);
    const client = fd.tcpConnect("127.0.0.1", fd.localPort(server));
    const before = openFds();
    const result = await s.during(async () => {
      await s.loop.writable(client);
      await s.loop.readable(server);
      const peer = fd.tcpAccept(server)!;
      using c = s.loop.streams(client, { closeFd: true });
      using p = s.loop.streams(peer, { closeFd: true });
      const toPeer = { sent: 0 };
      const toClient = { sent: 0 };
      let maxAhead = 0;
      const [, , atPeer, atClient] = await Promise.all([
        sendAll(c.writable, TOTAL, toPeer),
        sendAll(p.writable, TOTAL, toClient),
        // The peer reads slowly: the client's writes must wait for it.
        receiveAll(s, p.readable, true, (got) => {
          maxAhead = Math.max(maxAhead, toPeer.sent - got);
        }),
        receiveAll(s, c.readable, false, () => {}),
      ]);
      return { atPeer, atClient, maxAhead };
    });
    assertEquals(result.atPeer, TOTAL);
    assertEquals(result.atClient, TOTAL);
    // What the writer had done ahead of the slow reader is what the kernel
    // buffers (a few MiB), not the whole transfer.
    assert(result.maxAhead <= 24 * MiB, `${result.maxAhead / MiB} MiB ahead`);
    fd.close(server);
    assertIdle(s);
    // Both connection fds were closed with the streams (closeFd).
    assertEquals(newFds(before).filter((f) => f.includes("socket")), []);
  },
);

test("EventLoop.streams(): a pipe read with run() (the pending read keeps it going)", async () => {
  using loop = new EventLoop({ mode: "exclusive" });
  const [r, w] = fd.pipe();
  using streams = loop.streams(r, { closeFd: true, highWaterMark: 3 });
  await streams.writable.abort();
  const chunks: string[] = [];
  const reading = (async () => {
    for await (const chunk of chunksOf(streams.readable)) chunks.push(text(chunk));
  })();
  loop.callLater(1, () => {
    fd.write(w, bytes("abcdefg"));
    fd.close(w);
  });
  await loop.run();
  await reading;
  // highWaterMark bounds each read.
  assertEquals(chunks, ["abc", "def", "g"]);
});

eachLoop(
  test,
  "streams() BYOB reads with views smaller than what is buffered: partial reads in order, then a wait",
  async (s) => {
    const [a, b] = fd.socketpair();
    using streams = s.loop.streams(b, { closeFd: true });
    const got = await s.during(async () => {
      const reader = streams.readable.getReader({ mode: "byob" });
      fd.write(a, bytes("abcdefghij"));
      const parts: string[] = [];
      // Three reads from what is buffered (the fast path, no wait)...
      for (const size of [3, 3, 3]) {
        parts.push(text((await reader.read(new Uint8Array(size))).value!));
      }
      // ...one that drains it, then one that hits EAGAIN and must wait for
      // the next edge (armed once, edge-triggered: no wake-up may be lost).
      parts.push(text((await reader.read(new Uint8Array(8))).value!));
      const pending = reader.read(new Uint8Array(8));
      await s.loop.sleep(5);
      fd.write(a, bytes("kl"));
      parts.push(text((await pending).value!));
      fd.close(a);
      assert((await reader.read(new Uint8Array(8))).done);
      return parts;
    });
    assertEquals(got, ["abc", "def", "ghi", "j", "kl"]);
    streams.close();
    assertIdle(s);
  },
);

eachLoop(
  test,
  "streams() edge-triggered re-arm: a read that leaves bytes behind still gets them, and later writes wake it",
  async (s) => {
    const [a, b] = fd.socketpair();
    using streams = s.loop.streams(b, { closeFd: true, highWaterMark: 4 });
    const got = await s.during(async () => {
      const reader = streams.readable.getReader();
      const chunks: string[] = [];
      for (let round = 0; round < 5; round++) {
        // Two writes per round while nothing reads: one edge may have been
        // reported with no wait pending; the reads must still find all.
        fd.write(a, bytes(`r${round}x`));
        await s.loop.sleep(1);
        fd.write(a, bytes(`r${round}y`));
        let text_ = "";
        while (text_.length < 6) text_ += text((await reader.read()).value!);
        chunks.push(text_);
      }
      fd.close(a);
      assert((await reader.read()).done);
      return chunks;
    });
    assertEquals(got, ["r0xr0y", "r1xr1y", "r2xr2y", "r3xr3y", "r4xr4y"]);
    streams.close();
    assertIdle(s);
  },
);

eachLoop(
  test,
  "streams() writes to a pipe, a socket and a pty: every byte arrives, writes wait for room (EAGAIN mid-write)",
  async (s) => {
    const pty = openPty();
    const [pr, pw] = fd.pipe();
    const [sa, sb] = fd.socketpair();
    // Raw enough for bytes: a pty's line discipline would echo and edit.
    const ends: [string, number, number][] = [["pipe", pw, pr], ["socket", sa, sb], [
      "pty",
      pty.master,
      pty.slave,
    ]];
    const TOTAL = 300_000; // beyond what each buffers: the writes wait.
    const results = await s.during(() =>
      Promise.all(ends.map(async ([kind, w, r]) => {
        if (kind === "pty") {
          // Only the pipe and the socket carry the bulk: a pty echoes and
          // rewrites in cooked mode; a short line checks its write path.
          using out = s.loop.streams(w);
          const writer = out.writable.getWriter();
          await writer.write(bytes("hello\n"));
          writer.releaseLock();
          const buf = new Uint8Array(64);
          let line = "";
          while (!line.includes("\n")) {
            await s.loop.readable(r);
            const n = fd.read(r, buf);
            if (n !== null) line += text(buf.subarray(0, n));
          }
          return `${kind}:${line.trim()}`;
        }
        using out = s.loop.streams(w);
        using inn = s.loop.streams(r);
        const writer = out.writable.getWriter();
        const chunk = new Uint8Array(65536).fill(7);
        const writing = (async () => {
          for (let sent = 0; sent < TOTAL; sent += chunk.length) {
            await writer.write(
              sent + chunk.length <= TOTAL ? chunk : chunk.subarray(0, TOTAL - sent),
            );
          }
        })();
        const reader = inn.readable.getReader();
        let got = 0;
        let sum = 0;
        while (got < TOTAL) {
          const { value } = await reader.read();
          got += value!.length;
          for (const v of value!) sum += v;
        }
        await writing;
        return `${kind}:${got}:${sum === 7 * TOTAL}`;
      }))
    );
    assertEquals(results, [`pipe:${TOTAL}:true`, `socket:${TOTAL}:true`, "pty:hello"]);
    for (const f of [pr, pw, sa, sb, pty.master, pty.slave]) fd.close(f);
    assertIdle(s);
  },
);

for (const mode of ["hosted", "exclusive"] as const) {
  test(`EventLoop.streams(): idle streams keep nothing alive, and a hang-up that came while nothing read ends the next read (${mode})`, async () => {
    using loop = new EventLoop({ mode });
    const [a, b] = fd.socketpair();
    using streams = loop.streams(b, { closeFd: true });
    const reader = streams.readable.getReader();
    const reading = (async () => {
      const first = text((await reader.read()).value!);
      // Armed edge-triggered now; the peer goes while no read is pending,
      // and the loop, kept running by the sleep, sees the hang-up then.
      fd.close(a);
      await loop.sleep(5);
      return [first, (await reader.read()).done];
    })();
    fd.write(a, bytes("x"));
    // run() returns though both streams stay open: the armed watch is weak
    // (a pending read held the loop, an idle stream does not).
    await loop.run();
    assertEquals(await reading, ["x", true]);
    streams.close();
    assertEquals(loop._core.watchCount, 0);
  });
}
