/**
 * The C library's own `close` and `dup2`, for tests that close or replace
 * an fd behind the loop's back, as a C library (libpq, libcurl) does with
 * its sockets.
 *
 * @module
 */
import { NativeLibrary } from "@evloop/evloop";
import { binding } from "../ffi/load.ts";

const path = binding.os === "darwin" ? "/usr/lib/libSystem.B.dylib" : "libc.so.6";

/** close(2) and dup2(2), not through evloop (-1 on failure). */
export const libc = NativeLibrary.open(path, {
  close: { parameters: ["i32"], result: "i32" },
  dup2: { parameters: ["i32", "i32"], result: "i32" },
}).symbols;
