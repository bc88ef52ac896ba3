// examples/libpq.ts run for real against a PostgreSQL cluster this file
// starts (one per run of the file: a start takes a few seconds).
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { test } from "./_harness.ts";
import { runExample, runtime } from "./_examples.ts";
import { postgresMissing, startCluster } from "./_postgres.ts";

const missing = postgresMissing();
if (missing !== null) {
  console.log(`examples/libpq.ts: skipped: ${missing}`);
} else {
  test(`examples/libpq.ts under ${runtime} connects past a refusing host, pipelines, gets 1,000 NOTIFYs and survives a killed backend`, async () => {
    const cluster = await startCluster();
    try {
      // TCP for the first connection, the unix socket for the second.
      const r = await runExample("libpq.ts", [cluster.tcp, cluster.unix]);
      const out = r.stdout;
      assertEquals(r.status, 0, out + r.stderr);
      assertMatch(
        out,
        new RegExp(`connected: port ${cluster.port}, after 127\\.0\\.0\\.1:\\d+ refused`),
      );
      assertMatch(
        out,
        /all refuse: Cannot connect: connection to server at "127\.0\.0\.1", port \d+ failed: Connection refused/,
      );
      assertStringIncludes(out, "query: 2 results: 42, two");
      assertStringIncludes(out, 'error: ERROR:  relation "no_such_table" does not exist');
      const flushes = /pipeline: 200 answers in order, PQflush returned 1 (\d+) times/.exec(out);
      assert(flushes !== null && Number(flushes[1]) > 0, out);
      assertMatch(out, /notify: 1000 payloads in order from backend \d+/);
      assertStringIncludes(
        out,
        "killed: FATAL:  terminating connection due to administrator command; then: server closed the connection unexpectedly",
      );
      assertStringIncludes(
        out,
        "closed while waiting: rejected: Cannot query: the connection is closed",
      );
      assertStringIncludes(out, "\nok\n");
    } finally {
      cluster.stop();
    }
  });
}
