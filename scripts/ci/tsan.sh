#!/usr/bin/env bash
# Gate: every native test program (tests/c, registered with CTest by
# CMakeLists.txt) built with ThreadSanitizer (build-tsan/) and run; fails on
# any failed test or any TSan report.
source "$(dirname "$0")/_common.sh"
need_clang

CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEVLOOP_TSAN=ON -DEVLOOP_BENCH=OFF >/dev/null
cmake --build build-tsan --parallel 2 >/dev/null

reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$reports/report"
# TSan of LLVM 14 cannot map its shadow under high-entropy ASLR (newer
# kernels): run without address randomisation where setarch allows it.
norandom=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
  norandom=(setarch "$(uname -m)" -R)
fi
status=0
"${norandom[@]}" ctest --test-dir build-tsan --output-on-failure || status=1
sanitizer_verdict "$reports" "TSan" || status=1
gate_done "tsan (native tests under ThreadSanitizer)"
exit $status
