#!/usr/bin/env bash
# Gate: 200 Workers per variant (hosted, exclusive, IOLoop, with a signal
# handler) terminated while their loops wait, under Deno, Bun and Node
# (tests/worker_teardown_test.ts; npm test runs 40 per variant). On Node a
# hosted loop waits in libuv's own loop (csrc/node.c): a terminated
# Worker's watch must close before its uv loop does, with no callback into
# the dying Worker. The
# process must survive the dead loops' timers, fds and signals, and loops,
# fds and threads return to their baseline.
source "$(dirname "$0")/_common.sh"
need_runtimes
node scripts/run.mjs build
export EVLOOP_TEARDOWN_WORKERS="${EVLOOP_TEARDOWN_WORKERS:-200}"
node_modules/.bin/deno test -A --no-check tests/worker_teardown_test.ts
node_modules/.bin/bun test --timeout 600000 ./tests/worker_teardown_test.ts
if [ -x node_modules/.bin/node ]; then
  # A Node Worker loads the TypeScript sources afresh (type stripping):
  # 200 of them take longer than a test's usual minute.
  EVLOOP_TEST_TIMEOUT_MS=600000 node_modules/.bin/node --import ./tests/_node_setup.ts --test \
    --test-reporter=spec tests/worker_teardown_test.ts
  gate_done "worker teardown ($EVLOOP_TEARDOWN_WORKERS Workers per variant, Deno, Bun and Node)"
else
  echo "evloop ci: worker teardown under Node skipped (no Node 26 package for this platform)"
  gate_done "worker teardown ($EVLOOP_TEARDOWN_WORKERS Workers per variant, Deno and Bun)"
fi
