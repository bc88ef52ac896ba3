#!/usr/bin/env bash
# Gate: every benchmark case at tiny sizes under Node (npm test runs only
# Node's own cases there, tests/bench_quick_test.ts: each Node process
# loads the TypeScript sources afresh, and every case costs Node's suite
# over a minute). Deno and Bun run every case in npm test already.
source "$(dirname "$0")/_common.sh"
need_runtimes
node scripts/run.mjs build
if [ -x node_modules/.bin/node ]; then
  EVLOOP_BENCH_QUICK_ALL=1 node_modules/.bin/node --import ./tests/_node_setup.ts --test \
    --test-reporter=spec tests/bench_quick_test.ts
  gate_done "bench --quick, every case under Node"
else
  echo "evloop ci: bench --quick under Node skipped (no Node 26 package for this platform)"
fi
