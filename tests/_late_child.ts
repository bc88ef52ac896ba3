/**
 * Children for tests/service_test.ts that need evloop loaded late, or not
 * run at all:
 *
 * - `late-import <SIG>`: imports evloop 1.5 s after start (on Deno, after
 *   the runtime installed its own handlers for SIGHUP, SIGINT, SIGTERM and
 *   SIGUSR1), then handles SIG once and exits 0.
 * - `never-run`: awaits a loop's promise on a loop nobody runs: evloop
 *   says why on stderr (Bun then hangs on the await; Deno ends with an
 *   error).
 *
 * @module
 */
import process from "node:process";

const [job, sig] = process.argv.slice(2);

if (job === "late-import") {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const { EventLoop } = await import("../mod.ts");
  using loop = new EventLoop();
  loop.addSignalHandler(sig, () => {
    console.log(`${sig} 1`);
    loop.stop();
  });
  console.log("ready");
  await loop.runForever();
  console.log("stopped");
} else {
  const { EventLoop } = await import("../mod.ts");
  const loop = new EventLoop();
  console.log("ready");
  await loop.sleep(10);
  console.log("slept");
}
