/**
 * Idle fds: the cost of one loop iteration while IDLE other fds are
 * watched (for reading, never ready) and one socketpair bounces a byte.
 * Usage: idle_fds.ts MODE IDLE ROUND_TRIPS; prints {"us_per_rt": ...}.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { bounce } from "./_socketpair_pingpong.ts";
import { args, emit, intArg, now } from "./_common.ts";

const mode = args[0] as Mode;
const idle = intArg(1, 10);
const rounds = intArg(2, 20000);

async function run(k: number): Promise<number> {
  const loop = new EventLoop({ mode });
  const idleFds: number[] = [];
  for (let i = 0; i < idle; i += 2) idleFds.push(...fd.socketpair());
  for (const f of idleFds) loop.addReader(f, () => {});
  let t0 = 0;
  let t1 = 0;
  const { a, b } = bounce(loop, k, (i) => {
    if (i === 1) t0 = now();
    // The idle readers keep the loop alive: stop it by hand.
    if (i === k) {
      t1 = now();
      loop.stop();
    }
  });
  await loop.runForever();
  loop.destroy();
  for (const f of [a, b, ...idleFds]) fd.close(f);
  return ((t1 - t0) * 1000) / (k - 1);
}

await run(Math.max(10, Math.floor(rounds / 10)));
emit({ us_per_rt: await run(rounds) });
