// examples/curl_multi.ts run for real: libcurl's multi_socket interface on
// evloop, against an HTTP server on 127.0.0.1.
import { assert, assertEquals, assertMatch, assertStringIncludes, assertThrows } from "@std/assert";
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

  test("CurlMulti leaves no socket watched once a batch is done: run() returns", async () => {
    const { CurlMulti, CURLE, serve } = await import("../examples/curl_multi.ts");
    const { EventLoop } = await import("../mod.ts");
    const server = await serve();
    const loop = new EventLoop();
    const multi = new CurlMulti(loop);
    try {
      const url = `http://127.0.0.1:${server.port}/body/5`;
      // Kept-alive sockets stay watched between transfers inside a batch
      // (curl drops and re-adds each); none may outlive the batch.
      {
        const fetched = multi.fetchAll(Array.from({ length: 30 }, () => ({ url })), 6);
        let stuck: ReturnType<typeof setTimeout> | undefined;
        const ran = await Promise.race([
          loop.run().then(() => "returned"),
          new Promise<string>((r) => stuck = setTimeout(() => r("still running"), 3_000)),
        ]);
        clearTimeout(stuck);
        if (ran !== "returned") loop.stop();
        assertEquals(ran, "returned");
        for (const o of await fetched) assertEquals([o.code, o.bytes], [CURLE.OK, 5 * 7919]);
      }
    } finally {
      multi.close();
      loop.destroy();
      server.closeAllConnections();
      server.close();
    }
  });

  test("CurlMulti keeps its connections between batches and reuses encoded URLs", async () => {
    const { CurlMulti, CURLE, serve } = await import("../examples/curl_multi.ts");
    const { EventLoop } = await import("../mod.ts");
    const server = await serve();
    let connections = 0;
    server.on("connection", () => connections++);
    const loop = new EventLoop();
    const looping = loop.runForever();
    const multi = new CurlMulti(loop);
    try {
      const url = `http://127.0.0.1:${server.port}/body/3`;
      // Batches that drain to one transfer: curl's default cache (4 per
      // added handle) would close connections as it drains.
      for (let batch = 0; batch < 3; batch++) {
        const outcomes = await multi.fetchAll(Array.from({ length: 40 }, () => ({ url })), 10);
        for (const o of outcomes) assertEquals([o.code, o.bytes], [CURLE.OK, (3 * 7919) % 100_001]);
      }
      assert(connections <= 10, `${connections} connections for 10 at a time`);
      // The same text each time a code repeats; a second URL is its own.
      const [missing, other] = await multi.fetchAll([
        { url: `http://127.0.0.1:${server.port}/nothing` },
        { url: `http://127.0.0.1:${server.port}/body/4` },
      ], 2);
      assertEquals([missing.code, other.code, other.bytes], [CURLE.OK, CURLE.OK, 4 * 7919]);
      assertThrows(() => multi.fetchAll([{ url: "http://a\0b/" }], 1), TypeError, "NUL");
    } finally {
      multi.close();
      loop.stop();
      await looping;
      loop.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
}
