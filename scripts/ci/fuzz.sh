#!/usr/bin/env bash
# Gate: every libFuzzer harness (tests/fuzz/*_fuzz.c, built by CMake with
# -DEVLOOP_FUZZ=ON in build-fuzz/) run for EVLOOP_FUZZ_SECONDS (60) each,
# from its seed corpus (tests/fuzz/corpus/<name>/, copied: the checked-in
# seeds stay as they are). Fails on any crash, failed check, sanitizer
# report or leak; the input that found it is kept in build-fuzz/artifacts/.
source "$(dirname "$0")/_common.sh"
need_clang

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEVLOOP_FUZZ=ON -DEVLOOP_BENCH=OFF >/dev/null
seconds="${EVLOOP_FUZZ_SECONDS:-60}"
artifacts="$root/build-fuzz/artifacts"
mkdir -p "$artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

status=0
for src in tests/fuzz/*_fuzz.c; do
  name="$(basename "$src" .c)"
  cmake --build build-fuzz --parallel 2 --target "$name" >/dev/null
  mkdir -p "$work/$name"
  if [ -d "tests/fuzz/corpus/$name" ]; then
    cp "tests/fuzz/corpus/$name"/* "$work/$name"/
  fi
  echo "=== $name: ${seconds} s ==="
  started=$SECONDS
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "build-fuzz/$name" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
    "$work/$name" >"$work/$name.log" 2>&1; then
    status=1
    tail -n 60 "$work/$name.log"
    for f in "$artifacts/$name"-*; do
      [ -f "$f" ] && { echo "input $f:"; od -An -tx1 "$f" | head -20; }
    done
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log")
  cov=$(grep -o 'cov: [0-9]*' "$work/$name.log" | tail -1 || true)
  echo "evloop ci: $name: ${runs:-?} executions in $((SECONDS - started)) s, $cov, corpus $(ls "$work/$name" | wc -l) inputs"
done
gate_done "fuzz (libFuzzer, ${seconds} s per harness)"
exit $status
