/**
 * evloop's command line: `doctor`, `demo` and `bench`.
 *
 * ```sh
 * deno run --allow-ffi cli.ts doctor
 * bun cli.ts demo
 * ```
 *
 * @module
 */
import process from "node:process";

const USAGE = `Usage: cli.ts <command>

Commands:
  doctor              print the runtime, the shim's path, the backend and the kernel
  demo [--exclusive]  run a short echo-server demonstration on 127.0.0.1
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
  const { runDemo } = await import("./src/demo.ts");
  const echoed = await runDemo({ mode: args.includes("--exclusive") ? "exclusive" : "hosted" });
  if (echoed !== 3) process.exit(1);
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
