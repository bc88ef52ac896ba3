#!/usr/bin/env bash
# Gate: the prebuilt libraries. Cross-compiles libevloop for linux-x64-gnu,
# linux-arm64-gnu, darwin-x64 and darwin-arm64 with zig (npm run prebuild)
# and checks each (format, exports against ffi/symbols.ts, GLIBC <= 2.17,
# needed libraries, no Linux-only import in the Mach-O files); the Linux
# ones also run tests/c/smoke.c (aarch64 under qemu-user). Then the native
# build's other socket file (sock_fcntl.c, the macOS path) runs the fd and
# I/O tests here, under Deno and Bun.
source "$(dirname "$0")/_common.sh"
need_runtimes

command -v llvm-objdump >/dev/null || apt_install llvm
command -v file >/dev/null || apt_install file
command -v qemu-aarch64 >/dev/null || apt_install qemu-user
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || apt_install libc6-arm64-cross

npm run prebuild

echo "=== sock_fcntl.c (the macOS socket path) on Linux ==="
cmake -S . -B build-fcntl -DCMAKE_BUILD_TYPE=Release -DEVLOOP_SOCK=fcntl \
  -DEVLOOP_BENCH=OFF >/dev/null
# fd_test.ts also runs tests/c/edge_write.c (el_fd_write on this socket
# path): build it beside the library.
cmake --build build-fcntl --target evloop evloop_test_edge_write --parallel 2 >/dev/null
tests="tests/fd_test.ts tests/event_loop_io_test.ts tests/ioloop_test.ts"
EVLOOP_LIB="$root/build-fcntl/libevloop.so" node_modules/.bin/deno test -A --no-check $tests
# shellcheck disable=SC2086
EVLOOP_LIB="$root/build-fcntl/libevloop.so" node_modules/.bin/bun test $(printf './%s ' $tests)
gate_done "prebuild"
