#!/usr/bin/env bash
# ThreadSanitizer gate: the shim and its native C tests built with
# -fsanitize=thread (CMake option EVLOOP_TSAN), run with every report fatal:
#   evloop_loop_race  4 threads opening, waiting on and closing loops
#                     (tests/c/loop_race.c), ROUNDS rounds each
#   evloop_pummel     4 threads posting to one loop's inbox, racing close
#                     (tests/c/driver.c)
# Usage: scripts/ci/tsan.sh [rounds]   (build dir: build-tsan/)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-2000}"

# gcc's TSan runtime is a separate Debian package; install it when absent.
if ! echo 'int main(void) { return 0; }' |
  gcc -x c -fsanitize=thread -o /dev/null - 2>/dev/null; then
  apt-get update
  apt-get install -y libtsan2 || apt-get install -y libtsan0
fi

cmake -S . -B build-tsan -DEVLOOP_TSAN=ON -DEVLOOP_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-tsan --parallel 2 \
  --target evloop_loop_race evloop_pummel_driver >/dev/null

export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
build-tsan/evloop_loop_race "$ROUNDS"
build-tsan/evloop_pummel 20000
echo "tsan: 0 reports"
