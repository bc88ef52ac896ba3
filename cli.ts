/**
 * evloop's command line: `doctor`, `demo` and `bench`.
 *
 * ```sh
 * deno run --allow-ffi cli.ts doctor
 * bun cli.ts demo --list
 * ```
 *
 * @module
 */
import process from "node:process";

const USAGE = `Usage: cli.ts <command>

Commands:
  doctor              print the runtime, the shim's path, the backend and the kernel
  demo [step...]      a tour of what only evloop does, live on this machine
                      (a pty device, inotify, a PRI file, a signal's sender,
                      calls from Workers and C threads, netlink and tun)
       --list         name the steps
       --exclusive    run the steps' loops in exclusive mode (default: hosted)
  bench [--quick]     run the benchmark suite (see bench/)`;

async function loadEvloop(): Promise<typeof import("./mod.ts")> {
  try {
    return await import("./mod.ts");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`evloop cannot start: ${message}`);
    process.exit(1);
  }
}

async function doctor(): Promise<void> {
  const { info } = await loadEvloop();
  const facts = info();
  console.log(`runtime: ${facts.runtime} ${facts.runtimeVersion}`);
  console.log(`library: ${facts.library}`);
  console.log(`abi:     ${facts.abi}`);
  console.log(`backend: ${facts.backend}`);
  console.log(`kernel:  ${facts.kernel}`);
  console.log("status:  ok");
}

async function demo(args: string[]): Promise<void> {
  await loadEvloop();
  const { runTour, tourSteps } = await import("./tour/tour.ts");
  // --origin=<epoch ms> (not in the usage): the netns step's child stamps
  // its lines on its parent's clock.
  const origin = args.find((arg) => arg.startsWith("--origin="))?.slice("--origin=".length);
  const flags = args.filter((arg) => arg.startsWith("-") && !arg.startsWith("--origin="));
  const unknown = flags.find((flag) => !["--list", "--exclusive"].includes(flag));
  if (unknown !== undefined) {
    console.error(`Unknown demo option "${unknown}"\n\n${USAGE}`);
    process.exit(2);
  }
  if (flags.includes("--list")) {
    for (const { name, title } of tourSteps()) console.log(`${name.padEnd(8)} ${title}`);
    return;
  }
  if (origin !== undefined && !Number.isFinite(Number(origin))) {
    console.error(`--origin must be milliseconds since the epoch, got "${origin}"`);
    process.exit(2);
  }
  const names = args.filter((arg) => !arg.startsWith("-"));
  const known = tourSteps().map((step) => step.name);
  const wrong = names.find((name) => !known.includes(name));
  if (wrong !== undefined) {
    console.error(`Unknown demo step "${wrong}": the steps are ${known.join(", ")}`);
    process.exit(2);
  }
  const mode = flags.includes("--exclusive") ? "exclusive" : "hosted";
  const outcomes = await runTour({
    names,
    mode,
    origin: origin === undefined ? undefined : Number(origin),
  });
  // Exit explicitly: a Worker's teardown or a child's pipe must not keep
  // the process up once the tour is over.
  process.exit(outcomes.some((o) => o.status === "failed") ? 1 : 0);
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case "doctor":
    await doctor();
    break;
  case "demo":
    await demo(args);
    break;
  case "bench": {
    const bench = "./bench/main.ts";
    const { main } = await import(bench);
    await main(args);
    break;
  }
  case undefined:
  case "help":
  case "--help":
    console.log(USAGE);
    break;
  default:
    console.error(`Unknown command "${command}"\n\n${USAGE}`);
    process.exit(2);
}
