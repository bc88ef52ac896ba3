/**
 * What one loop iteration costs with no I/O but the poll: an exclusive
 * (or hosted) EventLoop whose only reader watches a pipe that stays
 * readable (level-triggered: it fires every iteration), counting to N.
 * Each iteration is one `el_poller_wait` that reports one ready fd, the
 * dispatch, the ready queue and one callback: what every ping-pong,
 * echo or bulk iteration pays on top of its reads and writes. Compare
 * with `epoll_wait` of one ready fd in C (`build/bench_syscall_floor`'s
 * `epoll_wait0` is the empty one).
 *
 * Usage: `deno run -A bench/floor/loop_iteration.ts [MODE] [N]` (or
 * `bun`); prints {"us_per_iteration": ...}.
 *
 * @module
 */
import { EventLoop, fd, type Mode } from "../../mod.ts";
import { args, emit, intArg, now } from "../cases/_common.ts";

async function iterations(mode: Mode, n: number): Promise<number> {
  using loop = new EventLoop({ mode });
  const [r, w] = fd.pipe();
  fd.write(w, new Uint8Array(1));
  let count = 0;
  loop.addReader(r, () => {
    if (++count === n) loop.removeReader(r);
  });
  const t0 = now();
  await loop.run();
  const t1 = now();
  fd.close(r);
  fd.close(w);
  return ((t1 - t0) * 1000) / n;
}

const mode = (args[0] ?? "exclusive") as Mode;
const n = intArg(1, 500_000);
await iterations(mode, Math.floor(n / 10));
emit({ mode, us_per_iteration: Math.round((await iterations(mode, n)) * 1000) / 1000 });
