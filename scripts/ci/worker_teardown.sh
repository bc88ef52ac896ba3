#!/usr/bin/env bash
# Gate: 200 Workers per variant (hosted, exclusive, IOLoop, with a signal
# handler) terminated while their loops wait, under Deno and Bun
# (tests/worker_teardown_test.ts; npm test runs 40 per variant). The
# process must survive the dead loops' timers, fds and signals, and loops,
# fds and threads return to their baseline.
source "$(dirname "$0")/_common.sh"
need_runtimes
node scripts/run.mjs build
export EVLOOP_TEARDOWN_WORKERS="${EVLOOP_TEARDOWN_WORKERS:-200}"
node_modules/.bin/deno test -A --no-check tests/worker_teardown_test.ts
node_modules/.bin/bun test --timeout 600000 ./tests/worker_teardown_test.ts
gate_done "worker teardown ($EVLOOP_TEARDOWN_WORKERS Workers per variant, Deno and Bun)"
