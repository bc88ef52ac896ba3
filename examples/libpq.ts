/**
 * libpq, asynchronously, on evloop: the calls libpq documents for
 * applications with their own event loop
 * (https://www.postgresql.org/docs/current/libpq-async.html), each waiting
 * on `PQsocket()` through the loop instead of blocking the thread.
 *
 * Runs unchanged under both runtimes, against a server you name:
 *
 *   deno run --allow-ffi --allow-net examples/libpq.ts "host=127.0.0.1 port=5432 user=me dbname=postgres"
 *   bun examples/libpq.ts "host=127.0.0.1 port=5432 user=me dbname=postgres"
 *
 * The conninfo must name one TCP host (the example puts a refusing host in
 * front of it) and a superuser (it terminates a backend). A second argument
 * may name another way in (for example a unix socket directory:
 * "host=/run/postgresql ..."). Needs libpq.so.5 (Debian: libpq5).
 *
 * @module
 */
import { EventLoop, NativeCallback, NativeLibrary, type Pointer, pointer } from "../mod.ts";
import net from "node:net";
import process from "node:process";

// Values from libpq-fe.h (PostgreSQL 15; stable since 9.x, pipeline mode since 14).
const CONNECTION_OK = 0;
const CONNECTION_BAD = 1;
const PGRES_POLLING_FAILED = 0;
const PGRES_POLLING_READING = 1;
const PGRES_POLLING_OK = 3;
/** ExecStatusType values a caller may want by name. */
export const PGRES = {
  COMMAND_OK: 1,
  TUPLES_OK: 2,
  FATAL_ERROR: 7,
  PIPELINE_SYNC: 10,
} as const;

const pq = NativeLibrary.open("libpq.so.5", {
  PQconnectStart: { parameters: ["cstring"], result: "pointer" },
  PQconnectPoll: { parameters: ["pointer"], result: "i32" },
  PQstatus: { parameters: ["pointer"], result: "i32" },
  PQsocket: { parameters: ["pointer"], result: "i32" },
  PQsetnonblocking: { parameters: ["pointer", "i32"], result: "i32" },
  PQsendQuery: { parameters: ["pointer", "cstring"], result: "i32" },
  PQsendQueryParams: {
    // conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat
    parameters: ["pointer", "cstring", "i32", "pointer", "pointer", "pointer", "pointer", "i32"],
    result: "i32",
  },
  PQenterPipelineMode: { parameters: ["pointer"], result: "i32" },
  PQexitPipelineMode: { parameters: ["pointer"], result: "i32" },
  PQpipelineSync: { parameters: ["pointer"], result: "i32" },
  PQflush: { parameters: ["pointer"], result: "i32" },
  PQconsumeInput: { parameters: ["pointer"], result: "i32" },
  PQisBusy: { parameters: ["pointer"], result: "i32" },
  PQgetResult: { parameters: ["pointer"], result: "pointer" },
  PQresultStatus: { parameters: ["pointer"], result: "i32" },
  PQresultErrorMessage: { parameters: ["pointer"], result: "cstring" },
  PQntuples: { parameters: ["pointer"], result: "i32" },
  PQgetvalue: { parameters: ["pointer", "i32", "i32"], result: "cstring" },
  PQclear: { parameters: ["pointer"], result: "void" },
  PQnotifies: { parameters: ["pointer"], result: "pointer" },
  PQfreemem: { parameters: ["pointer"], result: "void" },
  PQerrorMessage: { parameters: ["pointer"], result: "cstring" },
  PQbackendPID: { parameters: ["pointer"], result: "i32" },
  PQport: { parameters: ["pointer"], result: "cstring" },
  PQfinish: { parameters: ["pointer"], result: "void" },
  PQexec: { parameters: ["pointer", "cstring"], result: "pointer" },
  PQsetNoticeProcessor: { parameters: ["pointer", "function", "pointer"], result: "pointer" },
}).symbols;

// Notices and errors the server sends outside a query (such as the FATAL
// before it terminates a backend) go to a notice processor, which libpq
// calls synchronously while it reads input. One callback serves every
// connection: its `arg` is the connection's number.
const noticeTargets = new Map<number, Connection>();
let nextNoticeId = 1;
const noticeProcessor = new NativeCallback(
  { parameters: ["pointer", "cstring"], result: "void" } as const,
  (arg, message) => {
    noticeTargets.get(Number(pointer.value(arg)))?.onNotice?.((message ?? "").trim());
  },
);

/** A result: its status, rows of text values, and the error message. */
export interface Result {
  status: number;
  rows: string[][];
  error: string;
}

/** A NOTIFY received: channel, sending backend and payload. */
export interface Notification {
  channel: string;
  pid: number;
  payload: string;
}

/** What {@linkcode Connection.pipeline} did: results, and how often the socket was full. */
export interface PipelineReport {
  results: Result[];
  /** How many times PQflush returned 1 and the loop waited for writability. */
  fullSocketWaits: number;
}

/** Reads a PGresult into JavaScript (first column of each row) and frees it. */
function take(res: Pointer | null): Result {
  if (res === null) throw new Error("Expected a result, got none");
  const status = pq.PQresultStatus(res);
  const rows: string[][] = [];
  const n = pq.PQntuples(res);
  for (let r = 0; r < n; r++) rows.push([pq.PQgetvalue(res, r, 0) ?? ""]);
  const error = (pq.PQresultErrorMessage(res) ?? "").trim();
  pq.PQclear(res);
  return { status, rows, error };
}

/**
 * One libpq connection driven by an EventLoop. Its socket is watched for
 * input for as long as it is open: a query waiting for its result takes the
 * event, otherwise the input is consumed at once (notifications, or the
 * server closing the connection). Writability is watched only while PQflush
 * has data left.
 */
export class Connection {
  readonly #loop: EventLoop;
  #conn: Pointer | null;
  #fd = -1;
  #waiter: ((how: "readable" | "writable") => void) | null = null;
  #writer = false;
  /** Called for each NOTIFY, in the order the server sent them. */
  onNotify: ((n: Notification) => void) | null = null;
  /** Called once when the server closes the connection while it is idle. */
  onClose: ((error: string) => void) | null = null;
  /** Called for each notice (default: ignored). */
  onNotice: ((message: string) => void) | null = null;
  readonly #noticeId = nextNoticeId++;

  private constructor(loop: EventLoop, conn: Pointer) {
    this.#loop = loop;
    this.#conn = conn;
  }

  /**
   * Connects without blocking: PQconnectStart, then PQconnectPoll each time
   * the socket is ready the way the last poll asked. libpq may close its
   * socket and open another between two polls (the next host of a list, a
   * retry without SSL), often under the same fd number, so the watch is
   * dropped with `forget` before each poll, while the old socket is still
   * open, and put on whatever `PQsocket()` returns afterwards.
   */
  static connect(loop: EventLoop, conninfo: string): Promise<Connection> {
    const conn = pq.PQconnectStart(conninfo);
    if (conn === null) return Promise.reject(new Error("Cannot connect: out of memory"));
    const c = new Connection(loop, conn);
    noticeTargets.set(c.#noticeId, c);
    pq.PQsetNoticeProcessor(conn, noticeProcessor, pointer.fromValue(BigInt(c.#noticeId)));
    return new Promise((resolve, reject) => {
      let fd = pq.PQsocket(conn);
      const failed = () => {
        const msg = c.error();
        noticeTargets.delete(c.#noticeId);
        pq.PQfinish(conn);
        reject(new Error(`Cannot connect: ${msg}`));
      };
      if (pq.PQstatus(conn) === CONNECTION_BAD) return failed();
      const step = () => {
        loop.forget(fd); // libpq may close or replace it in this poll
        const polled = pq.PQconnectPoll(conn);
        if (polled === PGRES_POLLING_FAILED) return failed();
        fd = pq.PQsocket(conn);
        if (polled === PGRES_POLLING_OK) {
          // Sends never block from here on; PQflush tells what is left.
          if (pq.PQsetnonblocking(conn, 1) !== 0) return failed();
          c.#fd = fd;
          loop.addReader(fd, () => c.#readable());
          return resolve(c);
        }
        if (polled === PGRES_POLLING_READING) loop.addReader(fd, step);
        else loop.addWriter(fd, step);
      };
      loop.addWriter(fd, step); // libpq's documented start: as if WRITING
    });
  }

  /** The port libpq ended up connected to. */
  get port(): string {
    return pq.PQport(this.#conn) ?? "";
  }

  /** The server process serving this connection. */
  get backendPid(): number {
    return pq.PQbackendPID(this.#conn);
  }

  /** Whether the connection is open. */
  get open(): boolean {
    return this.#conn !== null;
  }

  /** libpq's last error message, trimmed. */
  error(): string {
    return this.#conn === null ? "connection closed" : (pq.PQerrorMessage(this.#conn) ?? "").trim();
  }

  /** Sends `sql` (PQsendQuery) and resolves with every result it produced. */
  async query(sql: string): Promise<Result[]> {
    this.#check();
    if (pq.PQsendQuery(this.#conn, sql) !== 1) throw new Error(this.error());
    await this.#flush();
    const out: Result[] = [];
    for (let res = await this.#nextResult(); res !== null; res = await this.#nextResult()) {
      out.push(take(res));
    }
    return out;
  }

  /**
   * Pipeline mode: sends every query before reading any result, then a
   * sync. A large batch fills the socket: PQflush returns 1, and the loop
   * waits for writability while consuming input, as libpq asks, so that
   * neither side can block the other. `onFull` is called once: when
   * PQflush first returns 1, or after everything was sent if it never did.
   */
  async pipeline(queries: string[], onFull?: () => void): Promise<PipelineReport> {
    this.#check();
    if (pq.PQenterPipelineMode(this.#conn) !== 1) throw new Error(this.error());
    for (const sql of queries) {
      // Pipeline mode needs the extended protocol: PQsendQueryParams.
      if (pq.PQsendQueryParams(this.#conn, sql, 0, null, null, null, null, 0) !== 1) {
        throw new Error(this.error());
      }
    }
    if (pq.PQpipelineSync(this.#conn) !== 1) throw new Error(this.error());
    const report: PipelineReport = { results: [], fullSocketWaits: await this.#flush(onFull) };
    if (report.fullSocketWaits === 0) onFull?.(); // called once either way
    // Each query gives its result then NULL; the sync gives PIPELINE_SYNC.
    for (let i = 0; i < queries.length; i++) {
      report.results.push(take(await this.#nextResult()));
      if (await this.#nextResult() !== null) throw new Error("Pipeline: expected a query's end");
    }
    const sync = take(await this.#nextResult());
    if (sync.status !== PGRES.PIPELINE_SYNC) throw new Error(`Pipeline: no sync (${sync.status})`);
    if (pq.PQexitPipelineMode(this.#conn) !== 1) throw new Error(this.error());
    return report;
  }

  /** Closes the connection: the watch goes first, then PQfinish closes the socket. */
  close(): void {
    if (this.#conn === null) return;
    this.#loop.forget(this.#fd); // the reader, and a writer if PQflush waited
    this.#writer = false;
    pq.PQfinish(this.#conn);
    this.#conn = null;
    noticeTargets.delete(this.#noticeId);
    // A query still waiting must not wait for ever: it wakes, finds the
    // connection closed and rejects.
    if (this.#waiter !== null) this.#wake("readable");
  }

  #check(): void {
    if (this.#conn === null) throw new Error("Cannot query: the connection is closed");
  }

  // Input arrived. A query waiting for it takes it; otherwise it is read
  // now: notifications, or the server closing the connection.
  #readable(): void {
    if (this.#waiter !== null) return this.#wake("readable");
    if (pq.PQconsumeInput(this.#conn) !== 1 || pq.PQstatus(this.#conn) !== CONNECTION_OK) {
      const msg = this.error();
      this.close();
      this.onClose?.(msg);
      return;
    }
    this.#deliver();
  }

  #wake(how: "readable" | "writable"): void {
    const waiter = this.#waiter!;
    this.#waiter = null;
    if (this.#writer) this.#loop.removeWriter(this.#fd);
    this.#writer = false;
    waiter(how);
  }

  #wait(writable: boolean): Promise<"readable" | "writable"> {
    if (writable) {
      this.#loop.addWriter(this.#fd, () => this.#wake("writable"));
      this.#writer = true;
    }
    return new Promise((resolve) => this.#waiter = resolve);
  }

  // PQflush until all is sent; returns how often the socket was full
  // (and calls onFull the first time).
  async #flush(onFull?: () => void): Promise<number> {
    let waits = 0;
    this.#check();
    for (let r = pq.PQflush(this.#conn); r !== 0; r = pq.PQflush(this.#conn)) {
      if (r < 0) throw new Error(this.error());
      if (waits++ === 0) onFull?.();
      if (await this.#wait(true) === "readable") this.#consume();
    }
    return waits;
  }

  // The next PGresult (null at the end of a query), reading input until one is whole.
  async #nextResult(): Promise<Pointer | null> {
    this.#check(); // closed meanwhile: libpq would answer NULL as at the end
    while (pq.PQisBusy(this.#conn) === 1) {
      await this.#wait(false);
      this.#consume();
    }
    const res = pq.PQgetResult(this.#conn);
    this.#deliver();
    return res;
  }

  #consume(): void {
    this.#check();
    if (pq.PQconsumeInput(this.#conn) !== 1) throw new Error(this.error());
    this.#deliver();
  }

  // struct pgNotify { char *relname; int be_pid; char *extra; ... }
  #deliver(): void {
    for (let n: Pointer | null; (n = pq.PQnotifies(this.#conn)) !== null;) {
      const note = {
        channel: pointer.cString(pointer.pointerAt(n, 0)!),
        pid: pointer.i32(n, 8),
        payload: pointer.cString(pointer.pointerAt(n, 16)!),
      };
      pq.PQfreemem(n);
      this.onNotify?.(note);
    }
  }
}

/** A port on 127.0.0.1 that refuses connections (bound once, then closed). */
export function refusedPort(): Promise<number> {
  const s = net.createServer();
  return new Promise((resolve) => {
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

if (import.meta.main) {
  const conninfo = process.argv[2];
  const other = process.argv[3] ?? conninfo;
  const port = /\bport=(\d+)/.exec(conninfo ?? "")?.[1];
  const host = /\bhost=(\S+)/.exec(conninfo ?? "")?.[1];
  if (!conninfo || !port || !host) {
    console.error('Usage: libpq.ts "host=H port=P user=U dbname=D" [another conninfo]');
    process.exit(2);
  }
  const wrong: string[] = [];
  const expect = (ok: boolean, what: string) => ok || wrong.push(what);
  const loop = new EventLoop();
  const looping = loop.runForever();

  // 1. A host list whose first host refuses: libpq moves to the next host
  // on a new socket. (Later keywords of a conninfo override earlier ones.)
  const refused = await refusedPort();
  const a = await Connection.connect(
    loop,
    `${conninfo} host=127.0.0.1,${host} port=${refused},${port}`,
  );
  console.log(`connected: port ${a.port}, after 127.0.0.1:${refused} refused`);
  expect(a.port === port, `connected to port ${a.port}, not ${port}`);

  // When every host refuses, connect() rejects with libpq's reason.
  const none = await Connection.connect(loop, `${conninfo} host=127.0.0.1 port=${refused}`)
    .then((c) => (c.close(), "connected"), (e) => e.message as string);
  expect(none.includes("Connection refused"), `a refusing host gave: ${none}`);
  console.log(`all refuse: ${none.split("\n")[0]}`);

  // 2. PQsendQuery / PQconsumeInput / PQgetResult, one result per statement.
  const results = await a.query("SELECT 40 + 2; SELECT 'two'");
  console.log(`query: ${results.length} results: ${results.map((r) => r.rows[0][0]).join(", ")}`);
  expect(results.length === 2 && results[0].rows[0][0] === "42", "SELECT 40 + 2 is not 42");
  expect(results[1]?.rows[0][0] === "two", "SELECT 'two' is not two");
  const bad = await a.query("SELECT * FROM no_such_table");
  expect(bad[0]?.status === PGRES.FATAL_ERROR, "a bad query did not fail");
  console.log(`error: ${bad[0]?.error.split("\n")[0]}`);

  // 3. Pipelined queries that fill the socket: 200 x 128 KiB, more than
  // the kernel buffers between client and server hold (a few MB). The
  // first one waits for an advisory lock that another connection, b, holds,
  // so the server reads nothing more; b lets go once a's PQflush returned 1.
  const b = await Connection.connect(loop, other);
  await b.query("SELECT pg_advisory_lock(4242)");
  let unlocked: Promise<Result[]> | null = null;
  const big = "x".repeat(131072);
  const queries = [
    "SELECT pg_advisory_xact_lock(4242)::text",
    ...Array.from({ length: 200 }, (_, i) => `SELECT ${i} || ':' || length('${big}')`),
  ];
  const report = await a.pipeline(queries, () => {
    unlocked = b.query("SELECT pg_advisory_unlock(4242)");
  });
  expect((await unlocked!)[0]?.rows[0][0] === "t", "b did not hold the lock");
  const answers = report.results.slice(1).map((r) => r.rows[0]?.[0]);
  expect(answers.every((v, i) => v === `${i}:131072`), "a pipelined answer is wrong");
  expect(report.fullSocketWaits > 0, "the pipeline never filled the socket");
  console.log(
    `pipeline: ${answers.length} answers in order, PQflush returned 1 ${report.fullSocketWaits} times`,
  );

  // 4. LISTEN/NOTIFY: 1,000 payloads, in order, from another connection.
  const notes: Notification[] = [];
  const allArrived = new Promise<void>((resolve) => {
    a.onNotify = (n) => {
      notes.push(n);
      if (notes.length === 1000) resolve();
    };
  });
  await a.query("LISTEN evloop");
  await b.query("SELECT pg_notify('evloop', i::text) FROM generate_series(1, 1000) i");
  await allArrived;
  expect(notes.every((n, i) => n.payload === String(i + 1)), "a payload is out of order");
  expect(notes.every((n) => n.channel === "evloop" && n.pid === b.backendPid), "a wrong sender");
  console.log(`notify: ${notes.length} payloads in order from backend ${b.backendPid}`);

  // 5. The server terminates a's backend while a is idle: its FATAL
  // arrives as a notice, then the socket closes.
  const notices: string[] = [];
  a.onNotice = (m) => notices.push(m);
  const closed = new Promise<string>((resolve) => a.onClose = resolve);
  const killed = await b.query(`SELECT pg_terminate_backend(${a.backendPid})`);
  expect(killed[0]?.rows[0][0] === "t", "pg_terminate_backend failed");
  const why = await closed;
  expect(!a.open, "the killed connection is still open");
  const fatal = notices.find((m) => m.includes("terminating connection")) ?? "";
  expect(fatal !== "", `no notice of the termination: ${notices.join("; ")}`);
  expect(why.includes("server closed the connection"), `unexpected close: ${why}`);
  console.log(`killed: ${fatal}; then: ${why.split("\n")[0]}`);

  // 6. Closing a connection while its query waits: the query rejects at
  // once (PQfinish also tells the server to stop).
  const c = await Connection.connect(loop, other);
  const slow = c.query("SELECT pg_sleep(60)").then(
    () => "answered",
    (e) => `rejected: ${e.message}`,
  );
  // Usually while it waits for the answer; a close before it got there
  // must reject the same way.
  loop.callLater(100, () => c.close());
  const fate = await slow;
  expect(fate === "rejected: Cannot query: the connection is closed", `the slow query was ${fate}`);
  console.log(`closed while waiting: ${fate}`);

  b.close();
  loop.stop();
  await looping;
  loop.destroy();
  if (wrong.length > 0) {
    console.error(`FAILED:\n${wrong.join("\n")}`);
    process.exit(1);
  }
  console.log("ok");
}
