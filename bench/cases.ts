/**
 * The benchmark cases: what each variant runs, at which size, and the
 * ratios and targets the report states. Sizes come in two sets: the full
 * ones of the issue, and `quick` ones that only prove each case runs.
 *
 * @module
 */

/** How a case's variants are run. */
export interface Ctx {
  runtime: "deno" | "bun";
  quick: boolean;
}

/** A process to run: argv, plus whether it is a server for the loadgen. */
export interface Job {
  argv: string[];
  /** Serve the echo load generator (the process prints its port). */
  serve?: { conns: number; size: number; warmupMs: number; measureMs: number };
}

/** One contestant of a case. */
export interface Variant {
  id: string;
  label: string;
  job(ctx: Ctx): Job;
}

/** A figure of a variant: its metric and how it reads. */
export interface Metric {
  key: string;
  label: string;
  unit: string;
  /** Whether more is better (throughput) or less (latency, time). */
  higherIsBetter: boolean;
}

/** A target on a ratio or on a figure: `value op limit`. */
export interface Target {
  op: "<=" | ">=" | "<";
  limit: number;
}

/** num / den, computed pair by pair. */
export interface RatioDef {
  label: string;
  num: [variant: string, metric: string];
  den: [variant: string, metric: string];
  target?: Target;
}

/** A target on one figure's median. */
export interface CheckDef {
  label: string;
  ref: [variant: string, metric: string];
  target: Target;
}

/** A benchmark case. */
export interface CaseDef {
  id: string;
  title: string;
  /** What exactly is measured (one line for the report). */
  what: (ctx: Ctx) => string;
  metrics: Metric[];
  variants: Variant[];
  ratios: RatioDef[];
  checks: CheckDef[];
}

/** Paths the jobs need, filled in by the orchestrator. */
export interface Tools {
  deno: string;
  bun: string;
  node: string;
  build: string;
}

function tsRunner(tools: Tools, ctx: Ctx, script: string, args: (string | number)[]): string[] {
  const path = `bench/cases/${script}`;
  const rest = args.map(String);
  return ctx.runtime === "deno"
    ? [tools.deno, "run", "-A", "--v8-flags=--expose-gc", path, ...rest]
    : [tools.bun, path, ...rest];
}

/** The runtime's display name. */
export function runtimeName(ctx: Ctx): string {
  return ctx.runtime === "deno" ? "Deno" : "Bun";
}

const us: Metric = { key: "us_per_rt", label: "round trip", unit: "µs", higherIsBetter: false };

/** Every case, in report order. */
export function allCases(tools: Tools): CaseDef[] {
  const ts = (script: string, ...args: (string | number)[]) => (ctx: Ctx): Job => ({
    argv: tsRunner(tools, ctx, script, args),
  });
  const sized = (
    script: string,
    full: number,
    quick: number,
    before: (string | number)[],
    after: (string | number)[] = [],
  ) =>
  (ctx: Ctx): Job => ({
    argv: tsRunner(tools, ctx, script, [...before, ctx.quick ? quick : full, ...after]),
  });

  const pingN = [20_000, 300] as const;
  const echoLoad = (ctx: Ctx) =>
    ctx.quick
      ? { conns: 10, size: 64, warmupMs: 50, measureMs: 150 }
      : { conns: 100, size: 64, warmupMs: 300, measureMs: 1000 };
  const callN = [1_000_000, 10_000] as const;
  const timerN = [1_000_000, 2_000] as const;
  const timerSpan = (ctx: Ctx) => ctx.quick ? 20 : 1000;
  const lateN = [1_000, 50] as const;
  const idleRounds = [20_000, 300] as const;
  const idleMs = (ctx: Ctx) => ctx.quick ? 100 : 2000;
  const allocN = [1_000_000, 5_000] as const;
  const xN = [1_000_000, 4_000] as const;
  const awaitN = [20_000, 100] as const;
  const bulkBytes = [1 << 30, 1 << 20] as const;
  // curl: SIZE, TRANSFERS, CONCURRENCY, measured BATCHES (full / quick).
  const curlArgs = (c: Ctx) => c.quick ? [65536, 20, 5, 1] : [65536, 200, 50, 10];
  const curlJob = (variant: string) => (c: Ctx): Job => ({
    argv: tsRunner(tools, c, "curl.ts", [tools.build, variant, ...curlArgs(c)]),
  });
  const pqN = [1_000, 50] as const;

  return [
    {
      id: "pingpong",
      title: "Ping-pong: 1 byte over TCP (127.0.0.1, TCP_NODELAY), both ends in one process",
      what: (c) => `${c.quick ? pingN[1] : pingN[0]} round trips after a 10% warm-up`,
      metrics: [us],
      variants: [
        {
          id: "c",
          label: "C epoll (limit)",
          job: (c) => ({
            argv: [`${tools.build}/bench_pingpong`, String(c.quick ? pingN[1] : pingN[0])],
          }),
        },
        {
          id: "exclusive",
          label: "evloop exclusive",
          job: sized("pingpong.ts", ...pingN, ["exclusive"]),
        },
        { id: "hosted", label: "evloop hosted", job: sized("pingpong.ts", ...pingN, ["hosted"]) },
        { id: "native", label: "runtime sockets", job: sized("pingpong.ts", ...pingN, ["native"]) },
        {
          id: "node",
          label: "Node net",
          job: (c) => ({
            argv: [
              tools.node,
              "bench/cases/pingpong_node.mjs",
              String(c.quick ? pingN[1] : pingN[0]),
            ],
          }),
        },
      ],
      ratios: [
        {
          label: "exclusive / C",
          num: ["exclusive", "us_per_rt"],
          den: ["c", "us_per_rt"],
          target: { op: "<=", limit: 1.15 },
        },
        {
          label: "hosted / C",
          num: ["hosted", "us_per_rt"],
          den: ["c", "us_per_rt"],
          target: { op: "<=", limit: 1.3 },
        },
        { label: "runtime sockets / C", num: ["native", "us_per_rt"], den: ["c", "us_per_rt"] },
        { label: "Node net / C", num: ["node", "us_per_rt"], den: ["c", "us_per_rt"] },
      ],
      checks: [],
    },
    {
      id: "echo",
      title: "Echo throughput: C load generator, 64-byte messages, one in flight per connection",
      what: (c) => {
        const l = echoLoad(c);
        return `${l.conns} connections, ${l.size}-byte messages, ${l.warmupMs} ms warm-up, ${l.measureMs} ms measured`;
      },
      metrics: [{ key: "msgs_per_s", label: "messages", unit: "msg/s", higherIsBetter: true }],
      variants: [
        {
          id: "c",
          label: "C epoll server (limit)",
          job: (c) => ({ argv: [`${tools.build}/bench_echo_server`], serve: echoLoad(c) }),
        },
        {
          id: "exclusive",
          label: "evloop exclusive",
          job: (c) => ({ ...ts("echo_server.ts", "exclusive")(c), serve: echoLoad(c) }),
        },
        {
          id: "hosted",
          label: "evloop hosted",
          job: (c) => ({ ...ts("echo_server.ts", "hosted")(c), serve: echoLoad(c) }),
        },
        {
          id: "native",
          label: "runtime server",
          job: (c) => ({ ...ts("echo_server.ts", "native")(c), serve: echoLoad(c) }),
        },
      ],
      ratios: [
        {
          label: "exclusive / C",
          num: ["exclusive", "msgs_per_s"],
          den: ["c", "msgs_per_s"],
          target: { op: ">=", limit: 0.8 },
        },
        {
          label: "hosted / C",
          num: ["hosted", "msgs_per_s"],
          den: ["c", "msgs_per_s"],
          target: { op: ">=", limit: 0.8 },
        },
        {
          label: "exclusive / runtime",
          num: ["exclusive", "msgs_per_s"],
          den: ["native", "msgs_per_s"],
          target: { op: ">=", limit: 1.2 },
        },
        {
          label: "hosted / runtime",
          num: ["hosted", "msgs_per_s"],
          den: ["native", "msgs_per_s"],
          target: { op: ">=", limit: 1.2 },
        },
      ],
      checks: [],
    },
    {
      id: "callsoon",
      title: "callSoon: callbacks queued at once, timed until the last ran",
      what: (c) => `${c.quick ? callN[1] : callN[0]} callbacks after a 10% warm-up`,
      metrics: [{ key: "mcalls_per_s", label: "rate", unit: "M/s", higherIsBetter: true }],
      variants: [
        {
          id: "exclusive",
          label: "evloop callSoon, exclusive",
          job: sized("callsoon.ts", ...callN, ["exclusive"]),
        },
        {
          id: "hosted",
          label: "evloop callSoon, hosted",
          job: sized("callsoon.ts", ...callN, ["hosted"]),
        },
        {
          id: "microtask",
          label: "queueMicrotask",
          job: sized("callsoon.ts", ...callN, ["microtask"]),
        },
        {
          id: "immediate",
          label: "setImmediate",
          job: sized("callsoon.ts", ...callN, ["immediate"]),
        },
      ],
      ratios: [
        {
          label: "exclusive / setImmediate",
          num: ["exclusive", "mcalls_per_s"],
          den: ["immediate", "mcalls_per_s"],
          target: { op: ">=", limit: 3 },
        },
        {
          label: "hosted / setImmediate",
          num: ["hosted", "mcalls_per_s"],
          den: ["immediate", "mcalls_per_s"],
          target: { op: ">=", limit: 3 },
        },
        {
          label: "exclusive / queueMicrotask",
          num: ["exclusive", "mcalls_per_s"],
          den: ["microtask", "mcalls_per_s"],
        },
      ],
      checks: [],
    },
    {
      id: "timers",
      title: "Timers spread over 1 s: scheduled at once, timed until the last fired",
      what: (c) =>
        `${c.quick ? timerN[1] : timerN[0]} timers over ${
          timerSpan(c)
        } ms (fixed pseudo-random delays)`,
      metrics: [{ key: "ms", label: "total", unit: "ms", higherIsBetter: false }],
      variants: [
        {
          id: "exclusive",
          label: "evloop callLater, exclusive",
          job: (c) => sized("timers.ts", ...timerN, ["exclusive", "spread"], [timerSpan(c)])(c),
        },
        {
          id: "hosted",
          label: "evloop callLater, hosted",
          job: (c) => sized("timers.ts", ...timerN, ["hosted", "spread"], [timerSpan(c)])(c),
        },
        {
          id: "settimeout",
          label: "setTimeout",
          job: (c) => sized("timers.ts", ...timerN, ["settimeout", "spread"], [timerSpan(c)])(c),
        },
      ],
      ratios: [
        { label: "exclusive / setTimeout", num: ["exclusive", "ms"], den: ["settimeout", "ms"] },
        { label: "hosted / setTimeout", num: ["hosted", "ms"], den: ["settimeout", "ms"] },
      ],
      checks: [
        {
          label: "exclusive: 1M over 1 s done in",
          ref: ["exclusive", "ms"],
          target: { op: "<=", limit: 1300 },
        },
        {
          label: "hosted: 1M over 1 s done in",
          ref: ["hosted", "ms"],
          target: { op: "<=", limit: 1300 },
        },
      ],
    },
    {
      id: "timer_cancel",
      title: "Timers scheduled then cancelled",
      what: (c) =>
        `${
          c.quick ? timerN[1] : timerN[0]
        } timers scheduled, then each cancelled (schedule + cancel timed)`,
      metrics: [{ key: "ms", label: "total", unit: "ms", higherIsBetter: false }],
      variants: [
        {
          id: "evloop",
          label: "evloop callLater + cancel",
          job: sized("timers.ts", ...timerN, ["exclusive", "cancel"], [1000]),
        },
        {
          id: "settimeout",
          label: "setTimeout + clearTimeout",
          job: sized("timers.ts", ...timerN, ["settimeout", "cancel"], [1000]),
        },
      ],
      ratios: [{ label: "evloop / setTimeout", num: ["evloop", "ms"], den: ["settimeout", "ms"] }],
      checks: [{
        label: "1M schedule + cancel in",
        ref: ["evloop", "ms"],
        target: { op: "<=", limit: 300 },
      }],
    },
    {
      id: "lateness",
      title: "Timer lateness: timers of 1–10 ms, fire time minus due time",
      what: (c) => `${c.quick ? lateN[1] : lateN[0]} timers of 1–10 ms scheduled at once`,
      metrics: [
        { key: "p50_ms", label: "p50", unit: "ms", higherIsBetter: false },
        { key: "p99_ms", label: "p99", unit: "ms", higherIsBetter: false },
      ],
      variants: [
        {
          id: "exclusive",
          label: "evloop exclusive",
          job: sized("timers.ts", ...lateN, ["exclusive", "lateness"]),
        },
        {
          id: "hosted",
          label: "evloop hosted",
          job: sized("timers.ts", ...lateN, ["hosted", "lateness"]),
        },
        {
          id: "settimeout",
          label: "setTimeout",
          job: sized("timers.ts", ...lateN, ["settimeout", "lateness"]),
        },
      ],
      ratios: [],
      checks: [
        {
          label: "exclusive p99 lateness",
          ref: ["exclusive", "p99_ms"],
          target: { op: "<=", limit: 1 },
        },
        { label: "hosted p99 lateness", ref: ["hosted", "p99_ms"], target: { op: "<=", limit: 2 } },
      ],
    },
    {
      id: "idle_fds",
      title: "Idle fds: a socketpair ping-pong while other fds are watched and idle",
      what: (c) =>
        `${
          c.quick ? idleRounds[1] : idleRounds[0]
        } round trips; 10, 1,000 or 10,000 idle watched fds`,
      metrics: [us],
      variants: (["exclusive", "hosted"] as const).flatMap((mode) =>
        [10, 1000, 10000].map((k) => ({
          id: `${mode}_${k}`,
          label: `${mode}, ${k.toLocaleString("en-US")} idle fds`,
          job: sized("idle_fds.ts", ...idleRounds, [mode, k]),
        }))
      ),
      ratios: (["exclusive", "hosted"] as const).flatMap((mode) => [
        {
          label: `${mode}: 10k / 10 idle fds`,
          num: [`${mode}_10000`, "us_per_rt"],
          den: [`${mode}_10`, "us_per_rt"],
          target: { op: "<=", limit: 1.2 },
        } as RatioDef,
        {
          label: `${mode}: 1k / 10 idle fds`,
          num: [`${mode}_1000`, "us_per_rt"],
          den: [`${mode}_10`, "us_per_rt"],
        } as RatioDef,
      ]),
      checks: [],
    },
    {
      id: "cross_thread",
      title: "Cross-thread calls: 4 Workers post to the main thread",
      what: (c) => `${c.quick ? xN[1] : xN[0]} calls in total`,
      metrics: [{ key: "mcalls_per_s", label: "rate", unit: "M/s", higherIsBetter: true }],
      variants: [
        {
          id: "remote",
          label: "RemoteLoop.callFromThread",
          job: sized("cross_thread.ts", ...xN, ["remote"]),
        },
        {
          id: "postmessage",
          label: "postMessage to onmessage",
          job: sized("cross_thread.ts", ...xN, ["postmessage"]),
        },
      ],
      ratios: [{
        label: "RemoteLoop / postMessage",
        num: ["remote", "mcalls_per_s"],
        den: ["postmessage", "mcalls_per_s"],
      }],
      checks: [],
    },
    {
      id: "idle_cost",
      title: "Idle cost: a running loop with one idle reader",
      what: (c) =>
        `CPU time of the whole process over ${
          idleMs(c)
        } ms; wake-ups = blocking waits after the first`,
      metrics: [
        { key: "cpu_pct", label: "CPU", unit: "% of a core", higherIsBetter: false },
        { key: "wakeups", label: "wake-ups", unit: "", higherIsBetter: false },
      ],
      variants: [
        {
          id: "exclusive",
          label: "evloop exclusive",
          job: (c) => ts("idle_cost.ts", "exclusive", idleMs(c))(c),
        },
        {
          id: "hosted",
          label: "evloop hosted",
          job: (c) => ts("idle_cost.ts", "hosted", idleMs(c))(c),
        },
        {
          id: "host",
          label: "runtime alone (setTimeout)",
          job: (c) => ts("idle_cost.ts", "host", idleMs(c))(c),
        },
      ],
      ratios: [],
      checks: [
        {
          label: "exclusive idle CPU",
          ref: ["exclusive", "cpu_pct"],
          target: { op: "<=", limit: 1 },
        },
        { label: "hosted idle CPU", ref: ["hosted", "cpu_pct"], target: { op: "<=", limit: 1 } },
        {
          label: "exclusive wake-ups",
          ref: ["exclusive", "wakeups"],
          target: { op: "<=", limit: 0 },
        },
        { label: "hosted wake-ups", ref: ["hosted", "wakeups"], target: { op: "<=", limit: 0 } },
      ],
    },
    {
      id: "alloc",
      title: "Allocation: heap growth over socketpair ping-pong round trips",
      what: (c) =>
        `${
          c.quick ? allocN[1] : allocN[0]
        } round trips after 20,000 warm-up; full GC before and after`,
      metrics: [
        { key: "heap_growth_kib", label: "heap growth", unit: "KiB", higherIsBetter: false },
        us,
      ],
      variants: [
        {
          id: "exclusive",
          label: "evloop exclusive",
          job: sized("alloc.ts", ...allocN, ["exclusive"]),
        },
        { id: "hosted", label: "evloop hosted", job: sized("alloc.ts", ...allocN, ["hosted"]) },
      ],
      ratios: [],
      checks: [
        {
          label: "exclusive heap growth",
          ref: ["exclusive", "heap_growth_kib"],
          target: { op: "<", limit: 1024 },
        },
        {
          label: "hosted heap growth",
          ref: ["hosted", "heap_growth_kib"],
          target: { op: "<", limit: 1024 },
        },
      ],
    },
    {
      id: "curl",
      title: "libcurl: 200 HTTP transfers of 64 KiB, 50 at a time, from a C server on 127.0.0.1",
      what: (c) => {
        const [size, n, conc, batches] = curlArgs(c);
        return `${batches} batches of ${n} GETs of ${size} bytes, ${conc} at a time, after one warm-up batch; connections kept alive`;
      },
      metrics: [
        { key: "ms", label: "batch", unit: "ms", higherIsBetter: false },
        { key: "cpu_ms", label: "client CPU per batch", unit: "ms", higherIsBetter: false },
      ],
      variants: [
        { id: "c", label: "C curl_multi_poll (limit)", job: curlJob("c") },
        { id: "c_socket", label: "C multi_socket on epoll", job: curlJob("c_socket") },
        { id: "exclusive", label: "evloop exclusive (multi_socket)", job: curlJob("exclusive") },
        { id: "hosted", label: "evloop hosted (multi_socket)", job: curlJob("hosted") },
        { id: "fetch", label: "runtime fetch()", job: curlJob("fetch") },
      ],
      ratios: [
        {
          label: "exclusive / C",
          num: ["exclusive", "ms"],
          den: ["c", "ms"],
          target: { op: "<=", limit: 1.15 },
        },
        {
          label: "hosted / C",
          num: ["hosted", "ms"],
          den: ["c", "ms"],
          target: { op: "<=", limit: 1.15 },
        },
        { label: "fetch / C", num: ["fetch", "ms"], den: ["c", "ms"] },
        { label: "C multi_socket / C", num: ["c_socket", "ms"], den: ["c", "ms"] },
        { label: "hosted CPU / C CPU", num: ["hosted", "cpu_ms"], den: ["c", "cpu_ms"] },
        {
          label: "exclusive CPU / C multi_socket CPU",
          num: ["exclusive", "cpu_ms"],
          den: ["c_socket", "cpu_ms"],
        },
      ],
      checks: [],
    },
    {
      id: "libpq",
      title: "libpq: query and NOTIFY round trips to PostgreSQL on 127.0.0.1",
      what: (c) =>
        `${c.quick ? pqN[1] : pqN[0]} SELECT 1 and ${
          c.quick ? pqN[1] : pqN[0]
        } NOTIFY round trips (one connection that listens to itself) after 10 % warm-up; the process starts its own cluster`,
      metrics: [
        { key: "query_us", label: "query round trip", unit: "µs", higherIsBetter: false },
        { key: "notify_us", label: "NOTIFY round trip", unit: "µs", higherIsBetter: false },
      ],
      variants: [
        { id: "blocking", label: "blocking PQexec", job: sized("libpq.ts", ...pqN, ["blocking"]) },
        {
          id: "exclusive",
          label: "evloop exclusive",
          job: sized("libpq.ts", ...pqN, ["exclusive"]),
        },
        { id: "hosted", label: "evloop hosted", job: sized("libpq.ts", ...pqN, ["hosted"]) },
      ],
      ratios: (["exclusive", "hosted"] as const).flatMap((mode) => [
        {
          label: `${mode} / PQexec: query`,
          num: [mode, "query_us"],
          den: ["blocking", "query_us"],
        } as RatioDef,
        {
          label: `${mode} / PQexec: NOTIFY`,
          num: [mode, "notify_us"],
          den: ["blocking", "notify_us"],
        } as RatioDef,
      ]),
      checks: [],
    },
    {
      id: "await_pingpong",
      title:
        "await loop.readable() against callbacks: 1 byte over a socketpair, both ends in one loop",
      what: (c) => `${c.quick ? awaitN[1] : awaitN[0]} round trips after a 10% warm-up`,
      metrics: [us, {
        key: "cpu_us_per_rt",
        label: "CPU per round trip",
        unit: "µs",
        higherIsBetter: false,
      }],
      variants: (["exclusive", "hosted"] as const).flatMap((mode) => [
        {
          id: `callback_${mode}`,
          label: `addReader callbacks, ${mode}`,
          job: sized("await_pingpong.ts", ...awaitN, [mode, "callback"]),
        },
        {
          id: `await_${mode}`,
          label: `await readable(), ${mode}`,
          job: sized("await_pingpong.ts", ...awaitN, [mode, "await"]),
        },
      ]),
      ratios: (["exclusive", "hosted"] as const).flatMap((mode) => [
        {
          label: `await / callback, ${mode}`,
          num: [`await_${mode}`, "us_per_rt"],
          den: [`callback_${mode}`, "us_per_rt"],
          target: { op: "<=", limit: 1.3 },
        } as RatioDef,
        {
          label: `await / callback CPU, ${mode}`,
          num: [`await_${mode}`, "cpu_us_per_rt"],
          den: [`callback_${mode}`, "cpu_us_per_rt"],
        } as RatioDef,
      ]),
      checks: [],
    },
    {
      id: "streams_bulk",
      title:
        "Bulk transfer through loop.streams(): one way over a local stream socket, 64 KiB chunks",
      what: (c) =>
        `${
          (c.quick ? bulkBytes[1] : bulkBytes[0]) / (1 << 20)
        } MiB after a 10% warm-up; evloop and C over a socketpair, the runtime over a Unix socket`,
      metrics: [{ key: "mb_per_s", label: "throughput", unit: "MiB/s", higherIsBetter: true }],
      variants: [
        {
          id: "c",
          label: "C read/write loop (limit)",
          job: (c) => ({
            argv: [`${tools.build}/bench_bulk`, String(c.quick ? bulkBytes[1] : bulkBytes[0])],
          }),
        },
        {
          id: "exclusive",
          label: "evloop streams(), exclusive",
          job: sized("streams_bulk.ts", ...bulkBytes, ["exclusive"]),
        },
        {
          id: "hosted",
          label: "evloop streams(), hosted",
          job: sized("streams_bulk.ts", ...bulkBytes, ["hosted"]),
        },
        {
          id: "native",
          label: "runtime socket streams",
          job: sized("streams_bulk.ts", ...bulkBytes, ["native"]),
        },
      ],
      ratios: (["exclusive", "hosted"] as const).flatMap((mode) => [
        {
          label: `${mode} / C`,
          num: [mode, "mb_per_s"],
          den: ["c", "mb_per_s"],
          target: { op: ">=", limit: 0.7 },
        } as RatioDef,
        {
          label: `${mode} / runtime`,
          num: [mode, "mb_per_s"],
          den: ["native", "mb_per_s"],
          target: { op: ">=", limit: 1.0 },
        } as RatioDef,
      ]),
      checks: [],
    },
  ];
}
