// fds closed behind the loop's back (libc close, or a C library closing
// its own socket), then the number reused: the registration must not go
// stale, and forget(fd) drops every watch on an fd without closing it.
import { EventLoop, fd, IOLoop, SystemError } from "@evloop/evloop";
import { assert, assertEquals, assertFalse } from "@std/assert";
import { backend, test } from "./_harness.ts";
import { libc } from "./_libc.ts";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { libraryPath } from "../ffi/load.ts";

const one = new Uint8Array([1]);

/** Makes `target` name a fresh pipe's read end; returns that pipe's writer. */
function reuse(target: number): { writer: number; cleanup: () => void } {
  const [r, w] = fd.pipe(); // may take the free number itself
  if (r !== target) {
    assertEquals(libc.dup2(r, target), target);
    fd.close(r);
  }
  return { writer: w, cleanup: () => fd.close(w) };
}

/** Runs `n` loop iterations (each polls the kernel once). */
async function iterations(loop: EventLoop, n: number): Promise<void> {
  await new Promise<void>((resolve) => {
    let left = n;
    const step = () => --left === 0 ? resolve() : loop.callSoon(step);
    loop.callSoon(step);
    if (!loop.running) void loop.runForever();
  });
}

test("EventLoop.forget() lets run() resolve after a C library closed the fd", async () => {
  using loop = new EventLoop();
  const [r, w] = fd.pipe();
  let ran = false;
  loop.addReader(r, () => ran = true);
  assertEquals(libc.close(r), 0); // the kernel drops the registration
  assert(loop.forget(r));
  assertFalse(loop.forget(r));
  await loop.run(); // nothing keeps it alive any more
  assertFalse(ran);
  fd.close(w);
});

test("EventLoop.forget() drops reader and writer and leaves the fd open", async () => {
  using loop = new EventLoop();
  const [a, b] = fd.socketpair();
  const reader = loop.addReader(a, () => {});
  const writer = loop.addWriter(a, () => {});
  assert(loop.forget(a));
  assert(reader.cancelled && writer.cancelled);
  assertFalse(loop.removeReader(a));
  assertEquals(fd.write(a, one), 1); // still open
  await loop.run();
  fd.close(a);
  fd.close(b);
});

test("EventLoop.addReader() on a number closed behind its back and reused replaces the stale reader", async () => {
  using loop = new EventLoop();
  const [r, w] = fd.pipe();
  const seen: string[] = [];
  const stale = loop.addReader(r, () => seen.push("stale"));
  assertEquals(libc.close(r), 0);
  const { writer, cleanup } = reuse(r); // r now names another pipe
  loop.addReader(r, () => {
    seen.push("new");
    fd.read(r, new Uint8Array(8));
    loop.removeReader(r);
  });
  assert(stale.cancelled);
  fd.write(writer, one);
  await loop.run();
  assertEquals(seen, ["new"]);
  fd.close(r);
  fd.close(w);
  cleanup();
});

test("EventLoop.addWriter() beside a stale reader drops the stale reader", async () => {
  using loop = new EventLoop();
  const [a, b] = fd.socketpair();
  const seen: string[] = [];
  loop.addReader(a, () => seen.push("stale reader"));
  assertEquals(libc.close(a), 0);
  const [c, d] = fd.socketpair(); // c may take the free number itself
  if (c !== a) {
    assertEquals(libc.dup2(c, a), a);
    fd.close(c);
  }
  fd.write(d, one); // readable: the stale reader must not see it
  loop.addWriter(a, () => {
    seen.push("writer");
    loop.removeWriter(a);
  });
  await loop.run();
  assertEquals(seen, ["writer"]);
  for (const n of [a, b, d]) fd.close(n);
});

test("EventLoop.removeReader() of an fd closed behind its back reports the failed removal", async () => {
  using loop = new EventLoop();
  const errors: unknown[] = [];
  loop.setExceptionHandler((error) => errors.push(error));
  const [r, w] = fd.pipe();
  loop.addReader(r, () => {});
  assertEquals(libc.close(r), 0);
  assert(loop.removeReader(r)); // removed all the same
  assertEquals(errors.length, 1);
  const error = errors[0] as SystemError;
  assert(error instanceof SystemError);
  assertEquals(error.code, "EBADF");
  assert(error.message.startsWith(`Cannot remove reader for fd ${r}: `), error.message);
  assert(error.message.includes("forget"), error.message);
  await loop.run();
  fd.close(w);
});

test("IOLoop.updateHandler() with the same mask re-registers a reused number", async () => {
  const loop = new IOLoop();
  const [r, w] = fd.pipe();
  const seen: number[] = [];
  loop.addHandler(r, IOLoop.READ, (n) => {
    seen.push(n);
    fd.read(n, new Uint8Array(8));
    loop.close();
  });
  assertEquals(libc.close(r), 0);
  const { writer, cleanup } = reuse(r);
  assert(loop.updateHandler(r, IOLoop.READ));
  fd.write(writer, one);
  await loop.start();
  assertEquals(seen, [r]);
  fd.close(r);
  fd.close(w);
  cleanup();
});

test("IOLoop.updateHandler() with a new mask on a reused number re-registers it", async () => {
  const loop = new IOLoop();
  const errors: unknown[] = [];
  loop.setExceptionHandler((error) => errors.push(error));
  const [a, b] = fd.socketpair();
  const seen: number[] = [];
  loop.addHandler(a, IOLoop.READ, (_n, events) => {
    seen.push(events);
    loop.close();
  });
  assertEquals(libc.close(a), 0);
  const [c, d] = fd.socketpair(); // c may take the free number itself
  if (c !== a) {
    assertEquals(libc.dup2(c, a), a);
    fd.close(c);
  }
  assert(loop.updateHandler(a, IOLoop.WRITE));
  await loop.start();
  assertEquals(errors, []);
  assertEquals(seen, [IOLoop.WRITE]);
  for (const n of [a, b, d]) fd.close(n);
});

test("IOLoop.updateHandler() of an fd closed behind its back returns false and reports EBADF", () => {
  const loop = new IOLoop();
  const errors: unknown[] = [];
  loop.setExceptionHandler((error) => errors.push(error));
  const [r, w] = fd.pipe();
  loop.addHandler(r, IOLoop.READ, () => {});
  assertEquals(libc.close(r), 0);
  assertFalse(loop.updateHandler(r, IOLoop.READ));
  assertEquals((errors[0] as SystemError).code, "EBADF");
  assert(loop.forget(r));
  assertFalse(loop.forget(r));
  loop.close();
  fd.close(w);
});

test("IOLoop.addHandler() on a reused number replaces the stale handler", async () => {
  const loop = new IOLoop();
  const [r, w] = fd.pipe();
  const seen: string[] = [];
  loop.addHandler(r, IOLoop.READ, () => seen.push("stale"));
  assertEquals(libc.close(r), 0);
  const { writer, cleanup } = reuse(r);
  assert(loop.addHandler(r, IOLoop.READ, () => {
    seen.push("new");
    loop.close();
  }));
  fd.write(writer, one);
  await loop.start();
  assertEquals(seen, ["new"]);
  fd.close(r);
  fd.close(w);
  cleanup();
});

test("IOLoop.forget() drops the handler and leaves the fd open", () => {
  const loop = new IOLoop();
  const [r, w] = fd.pipe();
  loop.addHandler(r, IOLoop.READ, () => {});
  assert(loop.forget(r));
  assertFalse(loop.removeHandler(r));
  assertEquals(fd.write(w, one), 1);
  assertEquals(fd.read(r, new Uint8Array(1)), 1); // still open
  loop.close();
  fd.close(r);
  fd.close(w);
});

// A dup keeps the old file (and epoll's entry for it) alive after the
// number was closed: epoll then reports it under the old number.
for (const mode of ["hosted", "exclusive"] as const) {
  test(`EventLoop (${mode}) never runs a reused number's reader for a closed file that a dup keeps alive`, async () => {
    using loop = new EventLoop({ mode });
    const [a, b] = fd.socketpair();
    const keep = fd.dup(a); // another library's copy, say
    let stale = 0;
    let fresh = 0;
    loop.addReader(a, () => stale++);
    assertEquals(libc.close(a), 0); // behind the loop's back
    const { writer, cleanup } = reuse(a); // a now names a pipe with no data
    // Blocking, as a runtime's own fd may be: a wrong read would hang.
    fd.setNonBlocking(a, false);
    loop.addReader(a, () => {
      fresh++;
      fd.read(a, new Uint8Array(8));
    });
    fd.write(b, one); // the old file turns readable, for ever
    await iterations(loop, 20);
    assertEquals([stale, fresh], [0, 0]);
    fd.write(writer, one);
    await iterations(loop, 5);
    assertEquals(fresh, 1);
    loop.stop();
    for (const n of [a, b, keep]) fd.close(n);
    cleanup();
  });
}

test("EventLoop.forget() before the library's close leaves nothing behind, dup or not", async () => {
  using loop = new EventLoop({ mode: "exclusive" });
  const [a, b] = fd.socketpair();
  const keep = fd.dup(a);
  let ran = 0;
  loop.addReader(a, () => ran++);
  assert(loop.forget(a)); // the documented call, before the close
  assertEquals(libc.close(a), 0);
  fd.write(b, one);
  const { writer, cleanup } = reuse(a);
  fd.write(writer, one);
  await iterations(loop, 10);
  loop.stop();
  assertEquals(ran, 0);
  for (const n of [a, b, keep]) fd.close(n);
  cleanup();
});

test(`el_poller_wait (${backend}) drops an entry orphaned by a close while a dup lives`, () => {
  // Through the core, so the count of reported events can be read.
  using loop = new EventLoop({ mode: "exclusive" });
  const core = loop._core;
  const [a, b] = fd.socketpair();
  const keep = fd.dup(a);
  loop.addReader(a, () => {});
  assertEquals(libc.close(a), 0);
  loop.forget(a); // too late: the kernel's entry has no fd left to go by
  fd.write(b, one);
  core.poll(0); // the orphan shows up once and is dropped
  assertEquals(core.poll(0), 0);
  assertEquals(core.poll(0), 0);
  for (const n of [b, keep]) fd.close(n);
});

test("IOLoop.removeHandler() of an fd closed behind its back reports the failed removal", () => {
  const loop = new IOLoop();
  const errors: [unknown, unknown][] = [];
  loop.setExceptionHandler((error, source) => errors.push([error, source]));
  const [r, w] = fd.pipe();
  loop.addHandler(r, IOLoop.READ, function onData() {});
  assertEquals(libc.close(r), 0);
  assert(loop.removeHandler(r)); // removed all the same
  assertEquals(errors.length, 1);
  const [error, source] = errors[0];
  assert(error instanceof SystemError);
  assertEquals(error.code, "EBADF");
  assertEquals(
    error.message,
    `Cannot remove handler for fd ${r}: fd ${r} was closed while watched (the watch is dropped; call forget(fd) before a library closes a watched fd) (EBADF)`,
  );
  assertEquals(source, { kind: "watch", name: "onData", fd: r });
  loop.close();
  fd.close(w);
});

test("Handler.cancel() of a reader whose fd was closed and reused reports ENOENT", async () => {
  using loop = new EventLoop();
  const errors: unknown[] = [];
  loop.setExceptionHandler((error) => errors.push(error));
  const [r, w] = fd.pipe();
  const reader = loop.addReader(r, () => {});
  assertEquals(libc.close(r), 0);
  const { cleanup } = reuse(r);
  reader.cancel();
  assertEquals((errors[0] as SystemError).code, "ENOENT");
  assert((errors[0] as Error).message.includes("closed while watched and its number reused"));
  await loop.run();
  fd.close(r);
  fd.close(w);
  cleanup();
});

test("el_poller_ctl natively: retries, failed DEL, CHECK, own fds refused, orphans dropped while another thread closes fds", () => {
  // tests/c/stale_fd.c, also run under ASan and TSan by scripts/ci.
  const path = libraryPath.replace(/libevloop\.(so|dylib)$/, "evloop_test_stale_fd");
  if (!existsSync(path)) throw new Error(`${path} is missing: build with \`npm run build\``);
  const r = spawnSync(path, [], { encoding: "utf8", timeout: 60_000 });
  assertEquals(r.status, 0, `${r.stdout}${r.stderr}`);
  assert(r.stdout.includes("all ok"), r.stdout);
});
