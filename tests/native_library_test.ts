import { assert, assertEquals, assertThrows } from "@std/assert";
import { errnoName, fd, NativeCallback, NativeLibrary, pointer } from "../mod.ts";
import { test } from "./_harness.ts";

const LIBC = "libc.so.6";

function openLibc() {
  return NativeLibrary.open(LIBC, {
    getpid: { parameters: [], result: "i32" },
    strlen: { parameters: ["cstring"], result: "usize" },
    strtoll: { parameters: ["cstring", "pointer", "i32"], result: "i64" },
    strtoul: { parameters: ["cstring", "buffer", "i32"], result: "usize" },
    labs: { parameters: ["isize"], result: "isize" },
    getenv: { parameters: ["cstring"], result: "cstring" },
    strchr: { parameters: ["cstring", "i32"], result: "pointer" },
    close: { parameters: ["i32"], result: "i32", errno: true },
    write: { parameters: ["i32", "buffer", "usize"], result: "isize", errno: true },
    qsort: { parameters: ["buffer", "usize", "usize", "function"], result: "void" },
    bsearch: {
      parameters: ["buffer", "buffer", "usize", "usize", "function"],
      result: "pointer",
    },
    abs32: { name: "abs", parameters: ["i32"], result: "i32" },
    strtod: { parameters: ["cstring", "pointer"], result: "f64" },
    snprintfInt: {
      name: "snprintf",
      parameters: ["buffer", "usize", "cstring", "i32"],
      result: "i32",
    },
    snprintfText: {
      name: "snprintf",
      parameters: ["buffer", "usize", "cstring", "cstring"],
      result: "i32",
    },
  });
}

test("NativeLibrary.open calls libc with numbers, strings and 64-bit values", () => {
  using libc = openLibc();
  assert(libc.symbols.getpid() > 0);
  assertEquals(libc.symbols.strlen("héllo"), 6);
  assertEquals(libc.symbols.strtoll("-9007199254740993", null, 10), -9007199254740993n);
  assertEquals(libc.symbols.labs(-5), 5);
  assertEquals(libc.symbols.abs32(-7), 7);
  assertEquals(libc.symbols.strtod("-2.5", null), -2.5);
});

test("NativeLibrary.open reads C strings out, NULL as null", () => {
  using libc = openLibc();
  assertEquals(libc.symbols.getenv("EVLOOP_SURELY_UNSET_VARIABLE"), null);
  const p = libc.symbols.strchr("key=value", "=".charCodeAt(0));
  assert(p !== null);
  assertEquals(pointer.cString(p, 1), "value");
  assertEquals(libc.symbols.strchr("abc", "z".charCodeAt(0)), null);
});

test("NativeLibrary.open declares one variadic C function under two keys", () => {
  using libc = openLibc();
  const out = new Uint8Array(32);
  const n = libc.symbols.snprintfInt(out, 32, "n=%d", 42);
  assertEquals(new TextDecoder().decode(out.subarray(0, n)), "n=42");
  const m = libc.symbols.snprintfText(out, 32, "<%s>", "ü");
  assertEquals(new TextDecoder().decode(out.subarray(0, m)), "<ü>");
});

test("NativeLibrary errno is captured right after the call that set it", () => {
  using libc = openLibc();
  assertEquals(libc.symbols.close(-1), -1);
  assertEquals(errnoName(libc.errno), "EBADF");
  const [r, w] = fd.pipe();
  fd.close(r);
  assertEquals(libc.symbols.write(w, new Uint8Array(1), 1), -1);
  assertEquals(errnoName(libc.errno), "EPIPE");
  fd.close(w);
  // A call that succeeds reads 0: errno is cleared before each call.
  const [r2, w2] = fd.pipe();
  assertEquals(libc.symbols.write(w2, new Uint8Array([9]), 1), 1);
  assertEquals(libc.errno, 0);
  fd.close(r2);
  fd.close(w2);
});

test("NativeLibrary buffer parameters are written by C", () => {
  using libc = openLibc();
  const end = new BigUint64Array(1);
  assertEquals(libc.symbols.strtoul("123abc", end, 10), 123);
  const endPointer = pointer.fromValue(end[0])!;
  assertEquals(pointer.cString(endPointer), "abc");
});

test("NativeCallback runs synchronously inside the C call (qsort, bsearch)", () => {
  using libc = openLibc();
  let calls = 0;
  using compare = new NativeCallback(
    { parameters: ["pointer", "pointer"], result: "i32" },
    (a, b) => {
      calls++;
      return pointer.i32(a!) - pointer.i32(b!);
    },
  );
  const values = Int32Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
  libc.symbols.qsort(values, values.length, 4, compare);
  assertEquals([...values], Array.from({ length: 1000 }, (_, i) => i));
  assert(calls >= 999);
  const key = new Int32Array([777]);
  const found = libc.symbols.bsearch(key, values, values.length, 4, compare.pointer);
  assert(found !== null);
  assertEquals(pointer.value(found) - pointer.value(pointer.of(values)), 777n * 4n);
  assertEquals(pointer.i32(found), 777);
  key[0] = 5000;
  assertEquals(libc.symbols.bsearch(key, values, values.length, 4, compare), null);
});

test("NativeCallback that throws: C gets 0 and the C call rethrows", () => {
  using libc = openLibc();
  let calls = 0;
  using compare = new NativeCallback(
    { parameters: ["pointer", "pointer"], result: "i32" },
    () => {
      calls++;
      throw new Error("comparator broke");
    },
  );
  const values = new Int32Array([3, 1, 2]);
  assertThrows(() => libc.symbols.qsort(values, 3, 4, compare), Error, "comparator broke");
  assert(calls > 0);
  // The error was taken: the next call is clean.
  assertEquals(libc.symbols.abs32(-1), 1);
});

test("NativeCallback cstring parameters arrive as strings", () => {
  using libc = NativeLibrary.open(LIBC, {
    qsort: { parameters: ["buffer", "usize", "usize", "function"], result: "void" },
    strcmp: { parameters: ["pointer", "pointer"], result: "i32" },
  });
  const seen = new Set<string>();
  // qsort over an array of char* : the comparator gets char** (pointers to
  // slots); read each slot's pointer, then its string.
  const words = ["pear", "apple", "fig"];
  const storage = words.map((w) => new TextEncoder().encode(`${w}\0`));
  const slots = new BigUint64Array(storage.map((s) => pointer.value(pointer.of(s))));
  using compare = new NativeCallback(
    { parameters: ["pointer", "pointer"], result: "i32" },
    (a, b) => {
      const x = pointer.pointerAt(a!)!;
      const y = pointer.pointerAt(b!)!;
      seen.add(pointer.cString(x));
      return libc.symbols.strcmp(x, y);
    },
  );
  libc.symbols.qsort(slots, 3, 8, compare);
  const sorted = [...slots].map((v) => pointer.cString(pointer.fromValue(v)!));
  assertEquals(sorted, ["apple", "fig", "pear"]);
  assert(seen.size > 0);
  using named = new NativeCallback({ parameters: ["cstring"], result: "i32" }, (s) => s!.length);
  assert(named.pointer !== null);
});

test("NativeLibrary.open rejects bad tables and missing libraries clearly", () => {
  assertThrows(
    () => NativeLibrary.open("libevloop-surely-missing.so", {}),
    Error,
    'Cannot open native library "libevloop-surely-missing.so"',
  );
  assertThrows(
    () => NativeLibrary.open(LIBC, { nope_no_such_symbol: { parameters: [], result: "i32" } }),
    Error,
    'Cannot open native library "libc.so.6"',
  );
  assertThrows(
    // @ts-expect-error: "int" is not in the vocabulary
    () => NativeLibrary.open(LIBC, { abs: { parameters: ["int"], result: "i32" } }),
    TypeError,
    'abs parameter 0 has unknown type "int"',
  );
  assertThrows(
    () => NativeLibrary.open(LIBC, { abs: { parameters: ["i32"], result: "buffer" } }),
    TypeError,
    "cannot return a buffer",
  );
  assertThrows(() => NativeLibrary.open("", {}), TypeError);
});

test("NativeLibrary functions reject bad arguments with a TypeError", () => {
  using libc = openLibc();
  const s = libc.symbols as unknown as Record<string, (...a: unknown[]) => unknown>;
  assertThrows(() => s.strlen(), TypeError, "Cannot call strlen: it takes 1 argument(s), got 0");
  assertThrows(() => s.strlen(42), TypeError, "argument 0: expected a string or null");
  assertThrows(() => s.strlen("a\0b"), RangeError, "contains a NUL");
  assertThrows(() => s.abs32("1"), TypeError, "expected a number");
  assertThrows(() => s.strtoll("1", new Uint8Array(8), 10), TypeError, "pointer.of(buffer)");
  assertThrows(() => s.qsort(new Int32Array(1), 1, 4, () => 0), TypeError, "NativeCallback");
});

test("NativeLibrary.close makes its functions throw, not crash", () => {
  const libc = openLibc();
  const getpid = libc.symbols.getpid;
  libc.close();
  libc.close();
  assert(libc.closed);
  assertThrows(() => getpid(), Error, 'the library "libc.so.6" is closed');
});

test("NativeCallback.close frees it; its pointer then throws", () => {
  const cb = new NativeCallback({ parameters: ["i32"], result: "i32" }, (x) => x + 1);
  assert(cb.pointer !== null);
  cb.close();
  cb.close();
  assertThrows(() => cb.pointer, Error, "closed native callback");
  assertThrows(
    () => new NativeCallback({ parameters: ["buffer"], result: "void" }, () => {}),
    TypeError,
    'use "pointer"',
  );
  assertThrows(
    // @ts-expect-error: not a function
    () => new NativeCallback({ parameters: [], result: "void" }, 42),
    TypeError,
    "expected a function",
  );
});

test("pointer helpers read what C would see", () => {
  const data = new Uint8Array(32);
  const view = new DataView(data.buffer);
  view.setInt32(0, -3, true);
  view.setUint32(4, 0xfffffffe, true);
  view.setBigInt64(8, -5n, true);
  view.setFloat64(16, 0.25, true);
  view.setBigUint64(24, 0n, true);
  const p = pointer.of(data)!;
  assertEquals(pointer.i32(p), -3);
  assertEquals(pointer.u32(p, 4), 0xfffffffe);
  assertEquals(pointer.i64(p, 8), -5n);
  assertEquals(pointer.u64(p, 8), 2n ** 64n - 5n);
  assertEquals(pointer.f64(p, 16), 0.25);
  assertEquals(pointer.pointerAt(p, 24), null);
  assertEquals([...pointer.bytes(p, 4)], [0xfd, 0xff, 0xff, 0xff]);
  assert(pointer.equals(p, pointer.fromValue(pointer.value(p))));
  assert(!pointer.equals(p, null));
  assertThrows(() => pointer.i32(null as never), TypeError, "the pointer is NULL");
  assertThrows(() => pointer.i32(p, -1), RangeError, "offset");
  assertThrows(() => pointer.fromValue(-1n), RangeError);
});

test("errnoName names positive and negative errnos and rejects non-integers", () => {
  assertEquals(errnoName(9), "EBADF");
  assertEquals(errnoName(-9), "EBADF");
  assertEquals(errnoName(99999), "E99999");
  assertThrows(() => errnoName(1.5), TypeError);
});

test("NativeCallback usize parameters arrive as numbers (dl_iterate_phdr's size)", () => {
  using libc = NativeLibrary.open(LIBC, {
    dl_iterate_phdr: { parameters: ["function", "pointer"], result: "i32" },
  });
  const sizes: unknown[] = [];
  const names: string[] = [];
  using visit = new NativeCallback(
    { parameters: ["pointer", "usize", "pointer"], result: "i32" },
    (info, size) => {
      sizes.push(size);
      // struct dl_phdr_info: ElfW(Addr) dlpi_addr; const char *dlpi_name; ...
      const name = pointer.pointerAt(info!, 8);
      if (name !== null) names.push(pointer.cString(name));
      return 0; // 0: go on to the next object
    },
  );
  assertEquals(libc.symbols.dl_iterate_phdr(visit, null), 0);
  assert(sizes.length > 1, `${sizes.length} objects`);
  assert(sizes.every((s) => typeof s === "number" && s >= 32), String(sizes));
  assert(names.some((n) => n.includes("libc.so")), names.join(", "));
});
