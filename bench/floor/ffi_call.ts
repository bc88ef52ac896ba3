/**
 * The floor under every I/O figure: what one call into the shim costs in
 * this runtime, measured on calls that make no system call (and, for
 * comparison, one that makes a cheap one).
 *
 * - `el_abi_version()`: no argument, an int32 back (the cheapest call);
 * - `el_now_ms()`: a double back (one clock read in the vDSO, no syscall);
 * - `el_fd_read(fd, buf, -1)`: a buffer argument, refused before any
 *   syscall (-EINVAL): what passing a Uint8Array costs;
 * - `el_fd_read(fd, buf, 64)` on an empty non-blocking pipe: the call plus
 *   a read(2) that fails with EAGAIN (the cheapest real syscall);
 * - `fd.read(fd, buf)` on the same pipe: the public wrapper (its checks
 *   of the fd and the buffer) around that call.
 *
 * Usage: `deno run -A bench/floor/ffi_call.ts [CALLS]`,
 * `bun bench/floor/ffi_call.ts [CALLS]`,
 * `node --import ./tests/_node_setup.ts bench/floor/ffi_call.ts [CALLS]`;
 * prints one JSON line of ns per call.
 *
 * @module
 */
import { lib } from "../../ffi/load.ts";
import { fd } from "../../mod.ts";
import { args, emit, intArg, now, runtime } from "../cases/_common.ts";

const calls = intArg(0, 2_000_000);
void args;

/** ns per call of `f`, best of 5 batches (after a warm-up batch). */
function time(f: () => void, n: number): number {
  let best = Infinity;
  for (let round = 0; round < 6; round++) {
    const t0 = now();
    for (let i = 0; i < n; i++) f();
    const ns = ((now() - t0) * 1e6) / n;
    if (round > 0 && ns < best) best = ns;
  }
  return best;
}

const [r, w] = fd.pipe();
const buf = new Uint8Array(64);
let sink = 0;
const result = {
  runtime,
  abi_version_ns: time(() => {
    sink += lib.el_abi_version();
  }, calls),
  now_ms_ns: time(() => {
    sink += lib.el_now_ms();
  }, calls),
  buffer_arg_ns: time(() => {
    sink += lib.el_fd_read(r, buf, -1);
  }, calls),
  read_eagain_ns: time(() => {
    sink += lib.el_fd_read(r, buf, 64);
  }, calls >> 2),
  fd_read_eagain_ns: time(() => {
    sink += fd.read(r, buf) ?? 1;
  }, calls >> 2),
};
fd.close(r);
fd.close(w);
if (sink === 0.5) console.log(sink); // keeps the calls from being dropped
emit(Object.fromEntries(
  Object.entries(result).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 10) / 10 : v]),
));
