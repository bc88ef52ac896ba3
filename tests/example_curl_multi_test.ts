// examples/curl_multi.ts run for real: libcurl's multi_socket interface on
// evloop, against an HTTP server on 127.0.0.1.
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { test } from "./_harness.ts";
import { runExample, runtime } from "./_examples.ts";
import { hasLibrary } from "./_postgres.ts";

if (!hasLibrary("libcurl.so.4")) {
  console.log("examples/curl_multi.ts: skipped: libcurl (libcurl4) not installed");
} else {
  test(`examples/curl_multi.ts under ${runtime} checks every byte of 200 transfers, a refusal and a timeout`, async () => {
    const r = await runExample("curl_multi.ts", []);
    assertEquals(r.status, 0, r.stdout + r.stderr);
    // bodySize(id) = (id * 7919) % 100001 for id < 200, summed.
    let total = 0;
    for (let id = 0; id < 200; id++) total += (id * 7919) % 100_001;
    assertMatch(r.stdout, new RegExp(`200 transfers, 50 at a time: ${total} body bytes checked`));
    assertStringIncludes(r.stdout, "refused: CURLcode 7 ");
    assertStringIncludes(r.stdout, "stalled: CURLcode 28 ");
    assertStringIncludes(r.stdout, "\nok\n");
  });
}
