// ffi/symbols.ts and the constants mirrored in TypeScript against
// csrc/evloop.h, the contract: the header is parsed (its #defines and its
// el_* prototypes), so a change on one side that the other misses fails
// here instead of at a call.
import { readFileSync } from "node:fs";
import { assertEquals } from "@std/assert";
import { ABI_VERSION, type NativeType, symbols } from "../ffi/symbols.ts";
import { lib } from "../ffi/load.ts";
import { Ctl, MAX_LOOPS, Wake } from "../src/core/poller.ts";
import { IOEvents } from "../src/core/io_events.ts";
import { SIGNAL_LOST_CODE } from "../src/signals/registry.ts";
import { DEFAULT_INBOX_LIMIT } from "../src/threads/inbox.ts";
import { test } from "./_harness.ts";
import { Refusal } from "../src/signals/names.ts";

const header = readFileSync(new URL("../csrc/evloop.h", import.meta.url), "utf8")
  .replace(/\/\*[\s\S]*?\*\//g, " ");

/** The header's #define EL_* values (integers and simple expressions). */
function defines(): Map<string, number> {
  const out = new Map<string, number>();
  const value = (text: string): number => {
    const t = text.trim().replace(/^\((.*)\)$/, "$1").trim();
    if (t.includes("<<")) {
      const [a, b] = t.split("<<");
      return value(a) << value(b);
    }
    if (t.includes("*")) return t.split("*").reduce((p, f) => p * value(f), 1);
    if (/^EL_\w+$/.test(t)) return out.get(t)!;
    return Number(t);
  };
  for (const m of header.matchAll(/^#define (EL_\w+) (.+)$/gm)) out.set(m[1], value(m[2]));
  return out;
}

/** The header's el_* prototypes: name, parameter types, result type. */
function prototypes(): Map<string, { parameters: NativeType[]; result: NativeType }> {
  const out = new Map<string, { parameters: NativeType[]; result: NativeType }>();
  const typeOf = (decl: string): NativeType => {
    if (decl.includes("(*")) return "function";
    if (decl.includes("*")) return "buffer";
    if (/\bdouble\b/.test(decl)) return "f64";
    if (/\buint32_t\b/.test(decl)) return "u32";
    if (/\bint32_t\b/.test(decl)) return "i32";
    if (/^\s*void\s*$/.test(decl)) return "void";
    throw new Error(`evloop.h: no FFI type for "${decl.trim()}"`);
  };
  const text = header.replace(/#.*$/gm, " ");
  for (const m of text.matchAll(/\b(int32_t|uint32_t|double|void)\s+(el_\w+)\s*\(/g)) {
    // The parameters run to the matching parenthesis (a function pointer
    // parameter has its own).
    let depth = 1;
    let i = m.index! + m[0].length;
    const start = i;
    for (; depth > 0; i++) depth += text[i] === "(" ? 1 : text[i] === ")" ? -1 : 0;
    const inner = text.slice(start, i - 1);
    const params: string[] = [];
    let d = 0;
    let from = 0;
    for (let k = 0; k < inner.length; k++) {
      if (inner[k] === "(") d++;
      else if (inner[k] === ")") d--;
      else if (inner[k] === "," && d === 0) {
        params.push(inner.slice(from, k));
        from = k + 1;
      }
    }
    params.push(inner.slice(from));
    const parameters = params.length === 1 && params[0].trim() === "void" ? [] : params.map(typeOf);
    out.set(m[2], { parameters, result: typeOf(m[1]) });
  }
  return out;
}

test("ffi/symbols.ts lists every el_* prototype of evloop.h with its arity and types", () => {
  const declared = prototypes();
  assertEquals(Object.keys(symbols).sort(), [...declared.keys()].sort());
  for (const [name, spec] of Object.entries(symbols)) {
    assertEquals(
      { parameters: [...spec.parameters], result: spec.result },
      declared.get(name),
      name,
    );
  }
});

test("ABI_VERSION is what the loaded shim answers", () => {
  assertEquals(lib.el_abi_version(), ABI_VERSION);
});

test("the event, wake and ctl constants mirror evloop.h", () => {
  const h = defines();
  assertEquals(IOEvents, {
    READ: h.get("EL_READ"),
    PRI: h.get("EL_PRI"),
    WRITE: h.get("EL_WRITE"),
    ERR: h.get("EL_ERR"),
    HUP: h.get("EL_HUP"),
    ERROR: h.get("EL_ERR")! | h.get("EL_HUP")!,
  });
  assertEquals(Wake, {
    WAKE: h.get("EL_WAKE_WAKE"),
    SIGNAL: h.get("EL_WAKE_SIGNAL"),
    INBOX: h.get("EL_WAKE_INBOX"),
  });
  assertEquals(Ctl, {
    ADD: h.get("EL_CTL_ADD"),
    MOD: h.get("EL_CTL_MOD"),
    DEL: h.get("EL_CTL_DEL"),
    CHECK: h.get("EL_CTL_CHECK"),
  });
  assertEquals(MAX_LOOPS, h.get("EL_MAX_LOOPS"));
});

test("the signal and inbox constants mirror evloop.h", () => {
  const h = defines();
  assertEquals(Refusal, {
    OK: h.get("EL_SIGNAL_OK"),
    UNCATCHABLE: h.get("EL_SIGNAL_UNCATCHABLE"),
    FAULT: h.get("EL_SIGNAL_FAULT"),
    PIPE: h.get("EL_SIGNAL_PIPE"),
    LIBC: h.get("EL_SIGNAL_LIBC"),
    RUNTIME: h.get("EL_SIGNAL_RUNTIME"),
  });
  assertEquals(SIGNAL_LOST_CODE, h.get("EL_SIGNAL_LOST"));
  assertEquals(DEFAULT_INBOX_LIMIT, {
    messages: h.get("EL_INBOX_DEFAULT_MSGS"),
    bytes: h.get("EL_INBOX_DEFAULT_BYTES"),
  });
});
