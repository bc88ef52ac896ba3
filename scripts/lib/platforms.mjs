// The prebuilt platforms: one table read by prebuild, the checks and the
// packager, so a platform is added in one place.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where `npm run prebuild` leaves each library (dist/ is not in git). */
export const prebuildDir = join(root, "dist", "prebuilds");

/**
 * name: the npm package suffix (@evloop/<name>), the same as the loader's
 * platformPackage(); zig: the target triple (glibc 2.17 keeps the Linux
 * libraries loadable on CentOS 7 / Debian 8 era systems and newer; macOS 11
 * is the oldest release Apple still patched when arm64 Macs arrived);
 * os/cpu/libc: package.json fields, as process.platform/process.arch.
 */
export const platforms = [
  {
    name: "linux-x64-gnu",
    zig: "x86_64-linux-gnu.2.17",
    os: "linux",
    cpu: "x64",
    libc: "glibc",
    file: "libevloop.so",
    format: { kind: "elf", machine: 62, label: "ELF 64-bit x86-64" },
  },
  {
    name: "linux-arm64-gnu",
    zig: "aarch64-linux-gnu.2.17",
    os: "linux",
    cpu: "arm64",
    libc: "glibc",
    file: "libevloop.so",
    format: { kind: "elf", machine: 183, label: "ELF 64-bit AArch64" },
    // Run under user-mode emulation with Debian's cross glibc.
    qemu: { binary: "qemu-aarch64", sysroot: "/usr/aarch64-linux-gnu" },
  },
  {
    name: "darwin-x64",
    zig: "x86_64-macos.11.0",
    os: "darwin",
    cpu: "x64",
    file: "libevloop.dylib",
    format: { kind: "macho", cputype: 0x01000007, label: "Mach-O 64-bit x86_64" },
  },
  {
    name: "darwin-arm64",
    zig: "aarch64-macos.11.0",
    os: "darwin",
    cpu: "arm64",
    file: "libevloop.dylib",
    format: { kind: "macho", cputype: 0x0100000c, label: "Mach-O 64-bit arm64" },
  },
];

/** The zig binary from the devDependency (Linux x64 hosts only). */
export function zigPath() {
  return join(root, "node_modules", "@ryoppippi", "zig-linux-x64", "zig");
}
