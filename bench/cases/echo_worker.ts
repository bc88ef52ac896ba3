/**
 * One Worker of the cores case: its own exclusive loop and its own
 * SO_REUSEPORT listener on the port it is sent; says so, then serves echo
 * until the process is killed.
 *
 * @module
 */
import { EventLoop, fd } from "../../mod.ts";
import { serveEcho } from "./_echo.ts";

const scope = globalThis as unknown as {
  postMessage(m: unknown): void;
  onmessage: ((e: { data: number }) => void) | null;
};

scope.onmessage = (e) => {
  scope.onmessage = null;
  const loop = new EventLoop({ mode: "exclusive" });
  const listener = fd.tcpListen("127.0.0.1", e.data, { backlog: 4096, reusePort: true });
  serveEcho(loop, listener);
  scope.postMessage("listening");
  loop.runForever();
};
