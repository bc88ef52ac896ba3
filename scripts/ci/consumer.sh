#!/usr/bin/env bash
# Gate: evloop installed like any package, from a private Verdaccio on
# 127.0.0.1, into fresh projects without CMake, a C compiler or a clone's
# build/: bun add + bun run; npm install + deno run; deno add npm:evloop +
# deno run; and the sources by http URL (as JSR serves them) + deno run.
# Then the repository's lockfile is stable: a fresh clone's npm install
# leaves package-lock.json as committed.
source "$(dirname "$0")/_common.sh"
need_runtimes

node scripts/consumer_test.mjs

echo "=== package-lock.json in a fresh clone ==="
clone="$(mktemp -d)"
trap 'rm -rf "$clone"' EXIT
git clone -q "$root" "$clone/evloop"
(cd "$clone/evloop" && npm install --no-audit --no-fund --ignore-scripts >/dev/null &&
  git diff --exit-code --stat package-lock.json) ||
  { echo "FAIL npm install in a fresh clone rewrote package-lock.json"; exit 1; }
echo "ok npm install in a fresh clone leaves package-lock.json unchanged"
gate_done "consumer"
