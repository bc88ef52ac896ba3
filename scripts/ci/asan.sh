#!/usr/bin/env bash
# Gate: the shim and its test helpers built with AddressSanitizer +
# UndefinedBehaviorSanitizer (build-asan/), the native tests run against it,
# then the WHOLE TypeScript suite under Deno and under Bun loading that
# build (EVLOOP_LIB). Fails on any failed test and on any sanitizer report,
# also one from a child process (reports go to files, then are counted).
source "$(dirname "$0")/_common.sh"
need_clang
need_runtimes

# The default build too: tests load helper libraries from build/.
node scripts/run.mjs build
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEVLOOP_ASAN=ON -DEVLOOP_BENCH=OFF >/dev/null
cmake --build build-asan --parallel 2 >/dev/null

reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT
# The runtimes are not built with ASan: its runtime is preloaded so the
# shim's instrumentation finds it. Their own allocations are not ours to
# judge (detect_leaks=0); their fault handlers stay theirs (handle_segv=0:
# V8 and JSC use SIGSEGV themselves). The shim's leaks are LeakSanitizer's
# job in the native tests and the fuzzers.
asan_rt="$(clang -print-file-name=libclang_rt.asan-"$(uname -m)".so)"
common="halt_on_error=1:abort_on_error=1:log_path=$reports/report"
export ASAN_OPTIONS="$common:detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:allow_user_segv_handler=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="$common:print_stacktrace=1"

status=0
echo "=== native tests (ASan + UBSan) ==="
ASAN_OPTIONS="$common:detect_leaks=1" ctest --test-dir build-asan --output-on-failure || status=1

export EVLOOP_LIB="$root/build-asan/libevloop.so" NO_COLOR=1
echo "=== TypeScript suite, Deno, shim with ASan + UBSan ==="
LD_PRELOAD="$asan_rt" node_modules/.bin/deno test -A --no-check tests/ || status=1
echo "=== TypeScript suite, Bun, shim with ASan + UBSan ==="
LD_PRELOAD="$asan_rt" node_modules/.bin/bun test --timeout 60000 ./tests/ || status=1

sanitizer_verdict "$reports" "ASan + UBSan" || status=1
gate_done "asan (ASan + UBSan, native tests, Deno and Bun suites)"
exit $status
