# Sourced by the gate scripts in scripts/ci/: the repository root, clang
# with its sanitizer runtimes (installed with apt-get on a fresh Debian or
# Ubuntu machine when absent), and timing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

# Installs Debian packages a gate needs (CI runs as root on a machine that
# may be fresh); the package lists are read once per script.
apt_updated=
apt_install() { # package...
  echo "evloop ci: installing $* (apt-get) ..."
  [ -n "$apt_updated" ] || { apt-get update -qq && apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# clang and compiler-rt (ASan, UBSan, TSan, libFuzzer runtimes).
need_clang() {
  if command -v clang >/dev/null &&
    [ -f "$(clang -print-file-name=libclang_rt.fuzzer-"$(uname -m)".a)" ] &&
    [ -f "$(clang -print-file-name=libclang_rt.asan-"$(uname -m)".so)" ]; then
    return
  fi
  # Debian 12 ships the runtimes in libclang-rt-<version>-dev; apt-cache
  # knows clang's version only after the lists are read.
  apt-get update -qq && apt_updated=1
  local v
  v="$(apt-cache depends clang 2>/dev/null | sed -n 's/.*Depends: clang-\([0-9]*\)$/\1/p' | head -1)"
  apt_install clang ${v:+libclang-rt-$v-dev}
}

# Deno, Bun and Node 26 from npm, as `npm test` installs them (npm has
# no Node 26 for macOS on arm64).
need_runtimes() {
  [ -x node_modules/.bin/deno ] && [ -x node_modules/.bin/bun ] &&
    { [ -x node_modules/.bin/node ] || [ "$(uname -sm)" = "Darwin arm64" ]; } ||
    npm install --no-audit --no-fund
}

# Prints the sanitizer reports written under a directory and their count;
# fails when there is one.
sanitizer_verdict() { # directory, label
  local count
  count=$(find "$1" -type f | wc -l)
  [ "$count" -eq 0 ] || cat "$1"/*
  echo "evloop ci: $2 reports: $count"
  [ "$count" -eq 0 ]
}

gate_started=$SECONDS
gate_done() {
  echo "evloop ci: $1 took $((SECONDS - gate_started)) s"
}
