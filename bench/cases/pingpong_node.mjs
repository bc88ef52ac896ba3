// Ping-pong over Node's `net` (node on PATH): one byte back and forth on
// 127.0.0.1 with TCP_NODELAY, both ends in this process.
// Usage: node pingpong_node.mjs ROUND_TRIPS; prints {"us_per_rt": ...}.
import net from "node:net";

function run(n) {
  return new Promise((resolve) => {
    const server = net.createServer((s) => {
      s.setNoDelay(true);
      s.on("data", (d) => s.write(d));
    });
    server.listen(0, "127.0.0.1", () => {
      const b = Buffer.alloc(1);
      let done = 0;
      let t0 = 0;
      const client = net.connect(server.address().port, "127.0.0.1", () => {
        client.setNoDelay(true);
        t0 = performance.now();
        client.write(b);
      });
      client.on("data", () => {
        if (++done < n) return void client.write(b);
        const t1 = performance.now();
        client.destroy();
        server.close();
        resolve(((t1 - t0) * 1000) / n);
      });
    });
  });
}

const n = Number(process.argv[2] ?? 20000);
await run(Math.max(10, Math.floor(n / 10)));
console.log(JSON.stringify({ us_per_rt: await run(n) }));
