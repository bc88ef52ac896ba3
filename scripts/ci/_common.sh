# Sourced by the gate scripts in scripts/ci/: the repository root, clang
# with its sanitizer runtimes (installed with apt-get on a fresh Debian or
# Ubuntu machine when absent), and timing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

# clang and compiler-rt (ASan, UBSan, TSan, libFuzzer runtimes).
need_clang() {
  if command -v clang >/dev/null &&
    [ -f "$(clang -print-file-name=libclang_rt.fuzzer-"$(uname -m)".a)" ] &&
    [ -f "$(clang -print-file-name=libclang_rt.asan-"$(uname -m)".so)" ]; then
    return
  fi
  echo "evloop ci: installing clang and its sanitizer runtimes (apt-get) ..."
  apt-get update -qq
  # Debian 12 ships the runtimes in libclang-rt-<version>-dev.
  local v
  v="$(apt-cache depends clang 2>/dev/null | sed -n 's/.*Depends: clang-\([0-9]*\)$/\1/p' | head -1)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang ${v:+libclang-rt-$v-dev} >/dev/null
}

# Deno and Bun from npm, as `npm test` installs them.
need_runtimes() {
  [ -x node_modules/.bin/deno ] && [ -x node_modules/.bin/bun ] ||
    npm install --no-audit --no-fund
}

gate_started=$SECONDS
gate_done() {
  echo "evloop ci: $1 took $((SECONDS - gate_started)) s"
}
