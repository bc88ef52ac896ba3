/**
 * The steps of the tour (`demo.ts`). Each runs the code of an example in
 * `examples/` at a small size, with a callback that prints what happens;
 * the signal step is the one written here. An example is imported only
 * when its step runs, so a step that cannot load (another OS) is reported
 * as that step's failure, not the tour's.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { EventLoop, info, type Mode, NativeLibrary } from "../mod.ts";

/** What a step gets to run with. */
export interface StepContext {
  /** The mode of the loops the step makes. */
  mode: Mode;
  /**
   * Prints one line of what happened, stamped with the milliseconds since
   * the step began (or `atMs`, for a line relayed from a child process).
   */
  say(line: string, atMs?: number): void;
  /** When the step began, in milliseconds since the epoch (for a child's clock). */
  startedAt: number;
}

/** One step of the tour. */
export interface Step {
  /** What `cli.ts demo <name>` calls it. */
  name: string;
  /** One line: what it shows. */
  title: string;
  /** Why it cannot run here (not root, no cgroup2 mount ...), or null. */
  unavailable(): Promise<string | null>;
  /** Runs it; resolves with a one-line summary of what was checked. */
  run(context: StepContext): Promise<string>;
}

const isLinux = process.platform === "linux";
const linuxOnly = (what: string) =>
  isLinux ? null : `${what} is Linux's (this is ${process.platform})`;

/** The effective uid, through libc: no runtime permission needed beyond FFI. */
function uid(): number {
  using libc = NativeLibrary.open("libc.so.6", { geteuid: { parameters: [], result: "u32" } });
  return libc.symbols.geteuid();
}

/**
 * Groups records by kind, in the order kinds first appear, each name once:
 * "create a0 a1, modify a0 a1 (4 records)".
 */
function byKind(items: { kind: string; name: string }[]): string {
  const groups = new Map<string, string[]>();
  for (const { kind, name } of items) groups.set(kind, [...(groups.get(kind) ?? []), name]);
  return [...groups].map(([kind, names]) => {
    const unique = [...new Set(names)].filter((name) => name !== "");
    const extra = names.length > Math.max(unique.length, 1) ? ` (${names.length} records)` : "";
    return [kind, ...unique].join(" ") + extra;
  }).join(", ");
}

const serial: Step = {
  name: "serial",
  title: 'a "serial device" on a pty answers commands',
  unavailable: () => Promise.resolve(linuxOnly("the hang-up it checks (a master reads EIO)")),
  async run({ mode, say }) {
    const { runSerial } = await import("../examples/serial_pty.ts");
    const r = await runSerial(2000, { mode, log: say });
    return `${r.answersChecked}/${r.commands} answers checked (${r.bytesSent} bytes); ` +
      `the client's writes waited for writability ${r.clientWaits} time(s)`;
  },
};

const inotify: Step = {
  name: "inotify",
  title: "an inotify watch reports files created, renamed and removed",
  unavailable: () => Promise.resolve(linuxOnly("inotify")),
  async run({ mode, say }) {
    const { runInotify } = await import("../examples/inotify.ts");
    const r = await runInotify(3, {
      mode,
      onWatch: (dir) => say(`watching ${dir} (watchPath)`),
      onPhase: (events) =>
        say(
          byKind(events.map((event) =>
            event.type === "rename"
              ? { kind: "rename", name: `${event.from}>${event.to}` }
              : { kind: event.kinds.join("|"), name: event.name }
          )),
        ),
    });
    return `${r.events} events (${r.records} records) for ${r.files} files, ` +
      `${r.renames} renames paired by cookie, the watch's end (ignored) last`;
  },
};

const pri: Step = {
  name: "pri",
  title: "a PRI file changes: cgroup v2's cgroup.events (the GPIO sysfs pattern)",
  async unavailable() {
    const other = linuxOnly("cgroup v2");
    if (other !== null) return other;
    if (info().backend !== "epoll") return `the ${info().backend} poller cannot report PRI`;
    const { cgroupUnavailable } = await import("../examples/pri_file.ts");
    const reason = cgroupUnavailable();
    if (reason === null) return null;
    return uid() === 0 ? reason : `not root (${reason})`;
  },
  async run({ mode, say }) {
    const { runCgroupEvents } = await import("../examples/pri_file.ts");
    const r = await runCgroupEvents(1, {
      mode,
      onCgroup: (dir) => say(`made ${dir}; watching its cgroup.events for PRI`),
      onChange: (state, cause) => say(`${cause}: cgroup.events now says "${state}"`),
    });
    return `${r.states.length} changes seen in order (${r.notifications} PRI notifications), ` +
      `each re-read with pread`;
  },
};

const signal: Step = {
  name: "signal",
  title: "a signal arrives with its sender's pid and uid (siginfo)",
  unavailable: () => Promise.resolve(linuxOnly("the kill child (/usr/bin/kill)")),
  async run({ mode, say }) {
    using loop = new EventLoop({ mode });
    using arrivals = loop.signals("SIGUSR2");
    // Another process sends it: the sender is not this one.
    const sender = spawn("kill", ["-USR2", String(process.pid)], { stdio: "ignore" });
    let failure: unknown;
    sender.on("error", (error) => {
      failure ??= error;
      arrivals.return();
    });
    say(`started \`kill -USR2 ${process.pid}\` as pid ${sender.pid}`);
    // A safety net only: the step waits for the signal, never for time.
    const safety = loop.callLater(10_000, () => {
      failure ??= new Error("no SIGUSR2 within 10 s");
      arrivals.return();
    });
    const running = loop.run(); // until the safety timer is cancelled and the iteration ends
    const { value: got } = await arrivals.next();
    safety.cancel();
    await arrivals.return();
    await running;
    if (failure) throw failure;
    say(
      `SIGUSR2 arrived (loop.signals): si_pid ${got!.pid}, si_uid ${got!.uid}, si_code ${
        got!.code
      }`,
    );
    if (got!.pid !== sender.pid) {
      throw new Error(`the sender's pid is ${got!.pid}, the kill child's ${sender.pid}`);
    }
    return `the sender was the kill child (pid ${got!.pid}, uid ${got!.uid}; this process is ` +
      `pid ${process.pid}); the runtimes' own signal listeners get only the signal's name`;
  },
};

const worker: Step = {
  name: "worker",
  title: "calls posted into the loop from Workers",
  unavailable: () => Promise.resolve(null),
  async run({ mode, say }) {
    const { latency, throughput } = await import("../examples/cross_thread.ts");
    const t = await throughput(2, 1000, mode);
    say(
      `${t.workers} Workers x ${t.calls / t.workers} RemoteLoop.callFromThread: ` +
        `${t.calls} calls ran in ${t.ms.toFixed(1)} ms (Worker start-up included), ` +
        `each Worker's in order: ${t.inOrder}`,
    );
    const l = await latency(mode, 20);
    say(
      `a parked loop woke for a Worker's post in ${l.medianUs.toFixed(0)} us ` +
        `(median of ${l.samples}; p90 ${l.p90Us.toFixed(0)} us)`,
    );
    if (!t.inOrder) throw new Error("a Worker's calls arrived out of order");
    return `${t.calls} calls from ${t.workers} Workers, in order; wake-up median ` +
      `${l.medianUs.toFixed(0)} us`;
  },
};

const native: Step = {
  name: "native",
  title: "calls posted from native C threads, and an eventfd they signal",
  async unavailable() {
    const other = linuxOnly("eventfd");
    if (other !== null) return other;
    const { pummelPath } = await import("../examples/native_posts.ts");
    const { producerPath } = await import("../examples/eventfd_thread.ts");
    for (const path of [pummelPath(), producerPath()]) {
      if (!existsSync(path)) return `${path} is not built (\`npm run build\` builds it)`;
    }
    return null;
  },
  async run({ mode, say }) {
    const { runNativePosts } = await import("../examples/native_posts.ts");
    const { runEventfd } = await import("../examples/eventfd_thread.ts");
    const p = await runNativePosts(2, 1000, { mode });
    say(
      `${p.threads} pthreads x ${p.calls / p.threads} el_inbox_post: ${p.calls} calls ran ` +
        `in ${p.ms.toFixed(1)} ms, each thread's in order: ${p.inOrder}`,
    );
    if (!p.inOrder) throw new Error("a thread's calls arrived out of order");
    const e = await runEventfd("counter", 2, 1000, { mode });
    say(`2 pthreads added 1..1000 each to an eventfd: ${e.reads} reads summed to ${e.total}`);
    return `${p.calls} native calls in order; eventfd sum ${e.total} exact`;
  },
};

/**
 * How this runtime runs cli.ts. Deno's child gets `-A`, as `npm start`
 * does: it opens /dev/net/tun and reads /proc/net/dev, which Deno opens
 * only with --allow-all (README, "Permissions").
 */
function childCommand(args: string[]): string[] {
  const cli = decodeURIComponent(new URL("../cli.ts", import.meta.url).pathname);
  if (info().runtime !== "deno") return [process.execPath, cli, ...args];
  return [process.execPath, "run", "-A", cli, ...args];
}

const netns: Step = {
  name: "netns",
  title: "netlink events and a tun device in a private network namespace",
  async unavailable() {
    const other = linuxOnly("network namespaces");
    if (other !== null) return other;
    const { inPrivateNetns } = await import("../examples/netlink_route.ts");
    if (spawnSync("ip", ["-V"]).error) return "the `ip` command (iproute2) is missing";
    if (inPrivateNetns()) return null;
    if (uid() !== 0) {
      return "not root: a private network namespace (unshare -n) needs CAP_SYS_ADMIN";
    }
    const probe = spawnSync("unshare", ["-n", "true"], { encoding: "utf8" });
    if (probe.error) return `unshare is missing: ${probe.error.message}`;
    if (probe.status !== 0) return `unshare -n failed: ${String(probe.stderr).trim()}`;
    return null;
  },
  async run(context) {
    const { inPrivateNetns } = await import("../examples/netlink_route.ts");
    return inPrivateNetns() ? await insideNetns(context) : await inChild(context);
  },
};

/** Netlink then tun, in this process: it is in a fresh network namespace. */
async function insideNetns({ say }: StepContext): Promise<string> {
  const { runNetlink } = await import("../examples/netlink_route.ts");
  const names = new Map<number, string>();
  let pending: { kind: string; name: string }[] = [];
  const flush = () => {
    if (pending.length > 0) say(byKind(pending));
    pending = [];
  };
  // Netlink's loop is hosted: `ip` is a child the runtime's loop feeds.
  const n = await runNetlink(3, {
    onEvent: (event) => {
      if (event.name) names.set(event.index, event.name);
      const on = names.get(event.index) ?? `index ${event.index}`;
      const what = event.address ? `${event.address}` : `${on}${event.flags! & 1 ? " (up)" : ""}`;
      if (pending.length > 0 && pending[0].kind !== event.type) flush();
      pending.push({ kind: event.type, name: what });
      if (event.type === "DELLINK") flush();
    },
  });
  flush();
  let summary = `netlink: ${n.newAddr} NEWADDR, ${n.delAddr} DELADDR, ${n.newLink} NEWLINK, ` +
    `${n.delLink} DELLINK`;
  if (!existsSync("/dev/net/tun")) {
    say("tun: skipped (/dev/net/tun is missing)");
    return summary;
  }
  const { runTun } = await import("../examples/tun.ts");
  const t = await runTun(5);
  say(
    `tun evtun0 (10.99.0.1/24), this process plays 10.99.0.2 through the fd: ` +
      `${t.udpOut} UDP datagrams read, ${t.udpIn} written in, ${t.echoReplies} pings answered`,
  );
  summary += `; tun: ${t.udpOut + t.udpIn} UDP datagrams and ${t.echoReplies} echo replies, ` +
    `every byte checked`;
  return summary;
}

/**
 * Runs this step again in a child under `unshare -n` (a runtime is
 * multithreaded: unshare(CLONE_NEWNET) in-process is not safe) and relays
 * its lines, stamped with the child's times.
 */
function inChild({ say, startedAt }: StepContext): Promise<string> {
  const [cmd, ...args] = childCommand(["demo", "netns", `--origin=${startedAt}`]);
  say(`running \`unshare -n\` ${info().runtime} cli.ts demo netns: a fresh network namespace`);
  return new Promise((resolve, reject) => {
    const child = spawn("unshare", ["-n", cmd, ...args], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let rest = "";
    let summary: string | undefined;
    let failed: string | undefined;
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        const said = line.match(/^\s*([\d.]+) ms {2}(.*)$/);
        if (said) say(said[2], Number(said[1])); // on this step's clock (--origin)
        summary ??= line.match(/^ {2}ok in [\d.]+ ms: (.*)$/)?.[1];
        failed ??= line.match(/^ {2}(?:failed in [\d.]+ ms|skipped): (.*)$/)?.[1];
      }
    });
    child.stderr!.on("data", (chunk) => out += chunk);
    child.on("error", reject);
    child.on("close", (status) => {
      if (summary !== undefined && status === 0) resolve(summary);
      else reject(new Error(`the child ${failed ?? `exited ${status}`}:\n${out}`));
    });
  });
}

/** The tour, in order. */
export const STEPS: Step[] = [serial, inotify, pri, signal, worker, native, netns];
