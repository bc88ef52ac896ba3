/**
 * Facts about the running evloop: runtime, shim, backend, kernel.
 *
 * @module
 */
import { binding, lib, libraryPath, shimString } from "../../ffi/load.ts";

/** What `cli.ts doctor` prints. */
export interface Info {
  /** "deno" or "bun". */
  runtime: string;
  /** The runtime's version. */
  runtimeVersion: string;
  /** Where the shim was loaded from. */
  library: string;
  /** The shim's ABI version. */
  abi: number;
  /** "epoll" or "kqueue". */
  backend: string;
  /** The kernel's name and release. */
  kernel: string;
}

function text(fill: (buf: Uint8Array, len: number) => number): string {
  return shimString(fill) ?? "unknown";
}

/**
 * Describes the running evloop.
 *
 * @example
 * ```ts
 * import { info } from "@evloop/evloop";
 * import { assert } from "@std/assert";
 *
 * assert(["epoll", "kqueue"].includes(info().backend));
 * ```
 */
export function info(): Info {
  return {
    runtime: binding.runtime,
    runtimeVersion: binding.version,
    library: libraryPath,
    abi: lib.el_abi_version(),
    backend: text((b, n) => lib.el_backend_name(b, n)),
    kernel: text((b, n) => lib.el_kernel(b, n)),
  };
}
