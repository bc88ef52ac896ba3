/**
 * A ping-pong over a socketpair through an EventLoop, shared by the idle-fd
 * and allocation cases: one byte goes from `a` to `b` and back, each hop
 * one reader callback.
 *
 * @module
 */
import { type EventLoop, fd } from "../../mod.ts";

/**
 * Adds the readers that bounce `rounds` round trips on `loop` and sends
 * the first byte; `onRound(i)` runs after round trip i (1-based), and the
 * readers remove themselves after the last, so `loop.run()` can end.
 */
export function bounce(
  loop: EventLoop,
  rounds: number,
  onRound?: (i: number) => void,
): { a: number; b: number } {
  const [a, b] = fd.socketpair();
  const buf = new Uint8Array(1);
  let done = 0;
  loop.addReader(b, () => {
    if (fd.read(b, buf)) fd.write(b, buf);
  });
  loop.addReader(a, () => {
    if (!fd.read(a, buf)) return;
    done++;
    onRound?.(done);
    if (done < rounds) {
      fd.write(a, buf);
      return;
    }
    loop.removeReader(a);
    loop.removeReader(b);
  });
  fd.write(a, buf);
  return { a, b };
}
