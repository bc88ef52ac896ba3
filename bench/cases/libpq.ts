/**
 * The libpq case: N query round trips (`SELECT 1`) and N NOTIFY round
 * trips (a connection that LISTENs and NOTIFYs itself: the notification
 * arrives with the command's reply) against a PostgreSQL cluster this
 * process starts (tests/_postgres.ts), on TCP 127.0.0.1.
 * Variants: `hosted` and `exclusive` (libpq's asynchronous calls on
 * evloop, examples/libpq.ts) and `blocking` (PQexec, the thread blocked in
 * libpq). Usage: libpq.ts VARIANT N; prints {"query_us", "notify_us"}, the
 * mean µs per round trip, after N / 10 warm-up round trips of each.
 *
 * @module
 */
import { EventLoop, type Mode, NativeLibrary, pointer } from "../../mod.ts";
import { postgresMissing, startCluster } from "../../tests/_postgres.ts";
import { args, emit, intArg, now, skip } from "./_common.ts";

const variant = args[0];
const n = intArg(1, 1000);
const warm = Math.max(1, Math.floor(n / 10));

interface Figures {
  query_us: number;
  notify_us: number;
}

async function measure(roundTrip: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < warm; i++) await roundTrip(i);
  const t0 = now();
  for (let i = 0; i < n; i++) await roundTrip(i);
  return (now() - t0) * 1000 / n;
}

async function viaEvloop(conninfo: string, mode: Mode): Promise<Figures> {
  const { Connection } = await import("../../examples/libpq.ts");
  const loop = new EventLoop({ mode });
  const looping = loop.runForever();
  const c = await Connection.connect(loop, conninfo);
  const query_us = await measure(async () => {
    const [r] = await c.query("SELECT 1");
    if (r.rows[0][0] !== "1") throw new Error("SELECT 1 is not 1");
  });
  await c.query("LISTEN bench");
  let got = "";
  c.onNotify = (note) => got = note.payload;
  const notify_us = await measure(async (i) => {
    await c.query(`NOTIFY bench, '${i}'`);
    if (got !== String(i)) throw new Error(`NOTIFY ${i} came back as ${got}`);
  });
  c.close();
  loop.stop();
  await looping;
  loop.destroy();
  return { query_us, notify_us };
}

async function viaBlocking(conninfo: string): Promise<Figures> {
  using pq = NativeLibrary.open("libpq.so.5", {
    PQconnectdb: { parameters: ["cstring"], result: "pointer" },
    PQstatus: { parameters: ["pointer"], result: "i32" },
    PQexec: { parameters: ["pointer", "cstring"], result: "pointer" },
    PQresultStatus: { parameters: ["pointer"], result: "i32" },
    PQgetvalue: { parameters: ["pointer", "i32", "i32"], result: "cstring" },
    PQclear: { parameters: ["pointer"], result: "void" },
    PQnotifies: { parameters: ["pointer"], result: "pointer" },
    PQfreemem: { parameters: ["pointer"], result: "void" },
    PQfinish: { parameters: ["pointer"], result: "void" },
  });
  const f = pq.symbols;
  const conn = f.PQconnectdb(conninfo);
  if (conn === null || f.PQstatus(conn) !== 0) throw new Error("PQconnectdb failed");
  const exec = (sql: string, want: number) => {
    const res = f.PQexec(conn, sql);
    if (res === null || f.PQresultStatus(res) !== want) throw new Error(`${sql} failed`);
    return res;
  };
  const query_us = await measure(() => {
    const res = exec("SELECT 1", 2);
    if (f.PQgetvalue(res, 0, 0) !== "1") throw new Error("SELECT 1 is not 1");
    f.PQclear(res);
  });
  f.PQclear(exec("LISTEN bench", 1));
  const notify_us = await measure((i) => {
    f.PQclear(exec(`NOTIFY bench, '${i}'`, 1));
    const note = f.PQnotifies(conn);
    if (note === null) throw new Error(`NOTIFY ${i} did not come back`);
    const payload = pointer.cString(pointer.pointerAt(note, 16)!);
    f.PQfreemem(note);
    if (payload !== String(i)) throw new Error(`NOTIFY ${i} came back as ${payload}`);
  });
  f.PQfinish(conn);
  return { query_us, notify_us };
}

const missing = postgresMissing();
if (missing !== null) {
  skip(missing);
} else {
  const cluster = await startCluster();
  try {
    const figures = variant === "blocking"
      ? await viaBlocking(cluster.tcp)
      : await viaEvloop(cluster.tcp, variant as Mode);
    emit({ ...figures });
  } finally {
    cluster.stop();
  }
}
