/**
 * libcurl's multi_socket interface driven by evloop, as curl documents it
 * (https://curl.se/libcurl/c/libcurl-multi.html, "multi_socket"): curl says
 * which sockets to watch through CURLMOPT_SOCKETFUNCTION and when to time
 * out through CURLMOPT_TIMERFUNCTION; the loop calls
 * curl_multi_socket_action() on each event, and curl_multi_info_read()
 * reports finished transfers.
 *
 * Runs unchanged under both runtimes:
 *
 *   deno run --allow-ffi --allow-net examples/curl_multi.ts
 *   bun examples/curl_multi.ts
 *
 * It serves bodies from an HTTP server on 127.0.0.1 in this process,
 * fetches 200 of them 50 at a time, checks every byte, then shows a refused
 * connection (CURLE_COULDNT_CONNECT) and a timeout that curl's own timer
 * raises (CURLE_OPERATION_TIMEDOUT). Needs libcurl.so.4 (Debian: libcurl4).
 *
 * @module
 */
import {
  EventLoop,
  fd,
  type Handler,
  NativeCallback,
  NativeLibrary,
  type Pointer,
  pointer,
} from "../mod.ts";
import http from "node:http";
import net from "node:net";
import process from "node:process";

// Values from curl.h / multi.h (libcurl 7.88; stable ABI since 7.x).
const CURL_GLOBAL_DEFAULT = 3;
const CURLOPT_URL = 10002; // CURLOPTTYPE_STRINGPOINT + 2
const CURLOPT_PROXY = 10004; // "" disables proxies from the environment
const CURLOPT_WRITEDATA = 10001;
const CURLOPT_WRITEFUNCTION = 20011;
const CURLOPT_NOSIGNAL = 99;
const CURLOPT_TIMEOUT_MS = 155;
const CURLOPT_CLOSESOCKETFUNCTION = 20208;
const CURLMOPT_SOCKETFUNCTION = 20001;
const CURLMOPT_TIMERFUNCTION = 20004;
const CURLMOPT_MAXCONNECTS = 6;
const CURL_POLL_IN = 1;
const CURL_POLL_OUT = 2;
const CURL_POLL_REMOVE = 4;
const CURL_CSELECT_IN = 1;
const CURL_CSELECT_OUT = 2;
const CURL_SOCKET_TIMEOUT = -1;
const CURLMSG_DONE = 1;
/** CURLcode values a caller may want by name. */
export const CURLE = { OK: 0, COULDNT_CONNECT: 7, OPERATION_TIMEDOUT: 28 } as const;

// curl_easy_setopt and curl_multi_setopt are variadic: one entry per
// argument type they are called with here (integer and pointer arguments
// pass the same way on the C ABIs evloop runs on).
const curl = NativeLibrary.open("libcurl.so.4", {
  curl_global_init: { parameters: ["isize"], result: "i32" },
  curl_multi_init: { parameters: [], result: "pointer" },
  curl_multi_cleanup: { parameters: ["pointer"], result: "i32" },
  multi_setopt_fn: {
    name: "curl_multi_setopt",
    parameters: ["pointer", "i32", "function"],
    result: "i32",
  },
  multi_setopt_long: {
    name: "curl_multi_setopt",
    parameters: ["pointer", "i32", "isize"],
    result: "i32",
  },
  curl_multi_add_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  curl_multi_remove_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  curl_multi_socket_action: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  curl_multi_info_read: { parameters: ["pointer", "buffer"], result: "pointer" },
  curl_easy_init: { parameters: [], result: "pointer" },
  curl_easy_cleanup: { parameters: ["pointer"], result: "void" },
  easy_setopt_long: {
    name: "curl_easy_setopt",
    parameters: ["pointer", "i32", "isize"],
    result: "i32",
  },
  easy_setopt_str: {
    name: "curl_easy_setopt",
    parameters: ["pointer", "i32", "cstring"],
    result: "i32",
  },
  // The same, with a NUL-terminated string encoded once (curl copies it).
  easy_setopt_bytes: {
    name: "curl_easy_setopt",
    parameters: ["pointer", "i32", "buffer"],
    result: "i32",
  },
  easy_setopt_fn: {
    name: "curl_easy_setopt",
    parameters: ["pointer", "i32", "function"],
    result: "i32",
  },
  curl_easy_strerror: { parameters: ["i32"], result: "cstring" },
}).symbols;

/** One transfer for {@linkcode fetchAll}. */
export interface Request {
  url: string;
  /** CURLOPT_TIMEOUT_MS: 0 (the default) waits for ever. */
  timeoutMs?: number;
  /** Gets each piece of the body as curl hands it over (valid only during the call). */
  onData?: (chunk: Uint8Array) => void;
}

/** How a transfer ended: curl's CURLcode and its message. */
export interface Outcome {
  code: number;
  message: string;
  bytes: number;
}

let globalReady = false;

/** One transfer in flight: which batch, which request, bytes so far. */
interface Transfer {
  batch: Batch;
  index: number;
  bytes: number;
}

/** One fetchAll() call: its requests, and how far it got. */
interface Batch {
  requests: Request[];
  outcomes: Outcome[];
  next: number;
  done: number;
  resolve(outcomes: Outcome[]): void;
}

/**
 * A curl multi handle driven by an EventLoop. Connections stay open
 * between transfers (curl's connection cache), as a browser's would.
 */
export class CurlMulti {
  readonly #loop: EventLoop;
  #multi: Pointer | null;
  readonly #running = new Int32Array(1);
  readonly #left = new Int32Array(1);
  /** socket -> the CURL_POLL_* mask it is watched for */
  readonly #watched = new Map<number, number>();
  /** transfer id (CURLOPT_WRITEDATA's pointer value) -> transfer */
  readonly #transfers = new Map<number, Transfer>();
  /** easy handle address -> transfer id */
  readonly #byEasy = new Map<bigint, number>();
  /** easy handles done with a transfer, ready for the next */
  readonly #idle: Pointer[] = [];
  #nextId = 1;
  /** URL -> its NUL-terminated bytes: encoded once, not per transfer */
  readonly #urls = new Map<string, Uint8Array>();
  /** CURLcode -> curl_easy_strerror's text */
  readonly #messages = new Map<number, string>();
  #maxConnections = 0;
  #timer: Handler | null = null;
  readonly #onSocket: NativeCallback;
  readonly #onTimer: NativeCallback;
  readonly #onWrite: NativeCallback;
  readonly #onClose: NativeCallback;
  /**
   * Sockets curl asked to stop watching, still watched: curl drops a
   * kept-alive connection's socket when a transfer ends and asks for it
   * again one loop turn later when the next transfer takes the
   * connection; keeping the watch meanwhile saves an epoll_ctl DEL and
   * ADD per transfer (bench: curl). Value: the #act count when asked.
   */
  readonly #unwanted = new Map<number, number>();
  #acts = 0;
  #acting = false;

  constructor(loop: EventLoop) {
    this.#loop = loop;
    if (!globalReady) {
      // Once per process, before any other curl call (curl_global_init is
      // not thread-safe, and later calls only count references).
      if (curl.curl_global_init(CURL_GLOBAL_DEFAULT) !== 0) {
        throw new Error("curl_global_init failed");
      }
      globalReady = true;
    }
    this.#multi = curl.curl_multi_init();
    if (this.#multi === null) throw new Error("Cannot create a curl multi handle");

    // curl tells which sockets to watch, and when to stop watching one: it
    // calls with CURL_POLL_REMOVE before it closes the socket, so the watch
    // is dropped while the fd is still open.
    this.#onSocket = new NativeCallback(
      {
        parameters: ["pointer", "i32", "i32", "pointer", "pointer"],
        result: "i32",
      } as const,
      (_easy, s, what) => {
        if (what === CURL_POLL_REMOVE) {
          // Outside an act (removing handles, cleanup) at once.
          if (this.#acting && this.#watched.has(s)) this.#unwanted.set(s, this.#acts);
          else this.#watch(s, 0);
        } else {
          this.#unwanted.delete(s);
          this.#watch(s, what);
        }
        return 0;
      },
    );

    // curl asks for one timer: -1 removes it, 0 means "as soon as possible".
    // curl_multi_socket_action must not be called from inside this
    // callback, so the timeout always goes through the loop.
    this.#onTimer = new NativeCallback(
      {
        parameters: ["pointer", "isize", "pointer"],
        result: "i32",
      } as const,
      (_multi, ms) => {
        this.#timer?.cancel();
        this.#timer = ms < 0 ? null : loop.callLater(ms, () => {
          this.#timer = null;
          this.#act(CURL_SOCKET_TIMEOUT, 0);
        });
        return 0;
      },
    );

    // CURLOPT_WRITEDATA carries the transfer's id as its pointer value.
    this.#onWrite = new NativeCallback(
      {
        // The id arrives as a number, not a pointer to convert.
        parameters: ["pointer", "usize", "usize", "usize"],
        result: "usize",
      } as const,
      (data, size, n, id) => {
        const len = size * n;
        const t = this.#transfers.get(Number(id))!;
        t.bytes += len;
        t.batch.requests[t.index].onData?.(pointer.bytes(data!, len));
        return len;
      },
    );

    // curl closes its sockets through this: a watch curl no longer wants
    // is dropped while the fd is still open, so a number the kernel
    // reuses for a new socket is never taken for the old one.
    this.#onClose = new NativeCallback(
      { parameters: ["pointer", "i32"], result: "i32" } as const,
      (_data, s) => {
        this.#unwanted.delete(s);
        this.#watch(s, 0);
        try {
          fd.close(s);
          return 0;
        } catch {
          return 1;
        }
      },
    );

    curl.multi_setopt_fn(this.#multi, CURLMOPT_SOCKETFUNCTION, this.#onSocket);
    curl.multi_setopt_fn(this.#multi, CURLMOPT_TIMERFUNCTION, this.#onTimer);
  }

  /**
   * Runs `requests`, at most `concurrency` at a time, and resolves with
   * one outcome per request, in order. Needs the loop running.
   */
  fetchAll(requests: Request[], concurrency: number): Promise<Outcome[]> {
    if (this.#multi === null) return Promise.reject(new Error("Cannot fetch: closed"));
    for (const r of requests) this.#urlBytes(r.url); // a bad URL throws here
    return new Promise((resolve) => {
      const batch: Batch = {
        requests,
        outcomes: new Array(requests.length),
        next: 0,
        done: 0,
        resolve,
      };
      if (requests.length === 0) return resolve([]);
      this.#keepConnections(concurrency);
      while (batch.next < Math.min(concurrency, requests.length)) this.#start(batch);
    });
  }

  /**
   * Lets curl's connection cache keep at least `n` idle connections. By
   * default it keeps 4 per easy handle *added*, so as a batch drains and
   * finished handles are removed one by one, the cache shrinks and closes
   * connections the next batch then opens again (a dozen per batch of 200
   * here, when the loop reports sockets one at a time).
   */
  #keepConnections(n: number): void {
    if (n <= this.#maxConnections) return;
    this.#maxConnections = n;
    curl.multi_setopt_long(this.#multi, CURLMOPT_MAXCONNECTS, n);
  }

  /** Ends every transfer and frees the multi handle and the callbacks. */
  close(): void {
    if (this.#multi === null) return;
    this.#timer?.cancel();
    this.#timer = null;
    for (const easy of this.#byEasy.keys()) {
      const p = pointer.fromValue(easy);
      curl.curl_multi_remove_handle(this.#multi, p);
      curl.curl_easy_cleanup(p);
    }
    for (const easy of this.#idle.splice(0)) curl.curl_easy_cleanup(easy);
    // Cleanup closes the cached connections, reporting each as removed.
    curl.curl_multi_cleanup(this.#multi);
    this.#multi = null;
    this.#unwanted.clear();
    for (const s of [...this.#watched.keys()]) this.#watch(s, 0);
    this.#onSocket.close();
    this.#onClose.close();
    this.#onTimer.close();
    this.#onWrite.close();
  }

  #watch(s: number, want: number): void {
    const had = this.#watched.get(s) ?? 0;
    if (had & CURL_POLL_IN && !(want & CURL_POLL_IN)) this.#loop.removeReader(s);
    if (had & CURL_POLL_OUT && !(want & CURL_POLL_OUT)) this.#loop.removeWriter(s);
    if (want & CURL_POLL_IN && !(had & CURL_POLL_IN)) {
      this.#loop.addReader(s, () => this.#act(s, CURL_CSELECT_IN));
    }
    if (want & CURL_POLL_OUT && !(had & CURL_POLL_OUT)) {
      this.#loop.addWriter(s, () => this.#act(s, CURL_CSELECT_OUT));
    }
    if (want === 0) this.#watched.delete(s);
    else this.#watched.set(s, want);
  }

  #act(s: number, events: number): void {
    if (this.#multi === null) return;
    this.#acting = true;
    try {
      const rc = curl.curl_multi_socket_action(this.#multi, s, events, this.#running);
      if (rc !== 0) throw new Error(`curl_multi_socket_action failed: CURLMcode ${rc}`);
      this.#harvest();
    } finally {
      this.#acting = false;
    }
    this.#dropUnwanted(this.#acts++);
  }

  /** Stops watching the sockets curl gave up before act number `before`. */
  #dropUnwanted(before: number): void {
    if (this.#unwanted.size === 0) return;
    for (const [s, asked] of this.#unwanted) {
      if (asked >= before) continue;
      this.#unwanted.delete(s);
      this.#watch(s, 0);
    }
  }

  #start(batch: Batch): void {
    const index = batch.next++;
    const request = batch.requests[index];
    // Easy handles are reused, as curl recommends: the options set once
    // at creation stay, and curl keeps its per-handle caches warm.
    const easy = this.#idle.pop() ?? this.#newEasy();
    const id = this.#nextId++;
    this.#transfers.set(id, { batch, index, bytes: 0 });
    this.#byEasy.set(pointer.value(easy), id);
    curl.easy_setopt_bytes(easy, CURLOPT_URL, this.#urlBytes(request.url));
    curl.easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, request.timeoutMs ?? 0);
    curl.easy_setopt_long(easy, CURLOPT_WRITEDATA, id);
    curl.curl_multi_add_handle(this.#multi, easy);
  }

  // Encoding a string for each call cost about 1 µs under Deno; a batch
  // usually fetches few distinct URLs many times (bench: curl).
  #urlBytes(url: string): Uint8Array {
    let bytes = this.#urls.get(url);
    if (bytes === undefined) {
      if (url.includes("\0")) throw new TypeError(`Cannot fetch "${url}": the URL contains a NUL`);
      if (this.#urls.size >= 1024) this.#urls.clear();
      bytes = new TextEncoder().encode(`${url}\0`);
      this.#urls.set(url, bytes);
    }
    return bytes;
  }

  #message(code: number): string {
    let text = this.#messages.get(code);
    if (text === undefined) {
      text = curl.curl_easy_strerror(code) ?? "";
      this.#messages.set(code, text);
    }
    return text;
  }

  #newEasy(): Pointer {
    const easy = curl.curl_easy_init();
    if (easy === null) throw new Error("Cannot create a curl easy handle");
    curl.easy_setopt_str(easy, CURLOPT_PROXY, "");
    curl.easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1);
    curl.easy_setopt_fn(easy, CURLOPT_WRITEFUNCTION, this.#onWrite);
    curl.easy_setopt_fn(easy, CURLOPT_CLOSESOCKETFUNCTION, this.#onClose);
    return easy;
  }

  // Every finished transfer is read from curl's queue: struct CURLMsg is
  // { CURLMSG msg; CURL *easy_handle; union { CURLcode result; } data; }.
  #harvest(): void {
    for (
      let m: Pointer | null;
      (m = curl.curl_multi_info_read(this.#multi, this.#left)) !== null;
    ) {
      if (pointer.i32(m, 0) !== CURLMSG_DONE) continue;
      const easy = pointer.pointerAt(m, 8)!;
      const code = pointer.i32(m, 16);
      const id = this.#byEasy.get(pointer.value(easy))!;
      const t = this.#transfers.get(id)!;
      this.#byEasy.delete(pointer.value(easy));
      this.#transfers.delete(id);
      curl.curl_multi_remove_handle(this.#multi, easy);
      this.#idle.push(easy);
      const batch = t.batch;
      batch.outcomes[t.index] = {
        code,
        message: this.#message(code),
        bytes: t.bytes,
      };
      batch.done++;
      if (batch.next < batch.requests.length) this.#start(batch);
      if (batch.done === batch.requests.length) {
        // Idle: no socket stays watched (a watch keeps the loop running).
        this.#dropUnwanted(Infinity);
        batch.resolve(batch.outcomes);
      }
    }
  }
}

/** The byte at `offset` of body `id`: every byte is checkable. */
export function bodyByte(id: number, offset: number): number {
  return (id * 7 + offset) & 0xff;
}

/** The size of body `id` (0 to 100,000 bytes). */
export function bodySize(id: number): number {
  return (id * 7919) % 100_001;
}

/**
 * An HTTP server on 127.0.0.1: `/body/ID` answers bodySize(ID) bytes of
 * bodyByte(ID, ...), `/stall` never answers.
 */
export function serve(): Promise<http.Server & { port: number }> {
  const server = http.createServer((req, res) => {
    const m = /^\/body\/(\d+)$/.exec(req.url ?? "");
    if (req.url === "/stall") return; // the client's timeout ends it
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const id = Number(m[1]);
    const body = Buffer.alloc(bodySize(id));
    for (let k = 0; k < body.length; k++) body[k] = bodyByte(id, k);
    res.writeHead(200, { "content-length": body.length }).end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve(Object.assign(server, { port: (server.address() as net.AddressInfo).port }));
    });
  });
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
  const server = await serve();
  const base = `http://127.0.0.1:${server.port}`;
  const TRANSFERS = 200;
  const CONCURRENCY = 50;
  const wrong: string[] = [];
  const requests: Request[] = [];
  for (let id = 0; id < TRANSFERS; id++) {
    let offset = 0;
    requests.push({
      url: `${base}/body/${id}`,
      onData: (chunk) => {
        for (let k = 0; k < chunk.length; k++, offset++) {
          if (chunk[k] !== bodyByte(id, offset)) {
            wrong.push(`body ${id}: byte ${offset} is ${chunk[k]}`);
            break;
          }
        }
      },
    });
  }
  // The loop runs in the background (hosted mode: the host's own I/O, here
  // the HTTP server, keeps working) until stop().
  const loop = new EventLoop();
  const looping = loop.runForever();
  const t0 = performance.now();
  const multi = new CurlMulti(loop);
  const results = await multi.fetchAll(requests, CONCURRENCY);
  const ms = performance.now() - t0;
  let total = 0;
  results.forEach((r, id) => {
    if (r.code !== CURLE.OK) wrong.push(`body ${id}: ${r.message}`);
    if (r.bytes !== bodySize(id)) wrong.push(`body ${id}: ${r.bytes} bytes, not ${bodySize(id)}`);
    total += r.bytes;
  });
  console.log(
    `${TRANSFERS} transfers, ${CONCURRENCY} at a time: ${total} body bytes checked in ${
      ms.toFixed(0)
    } ms`,
  );

  // A refused connection and a timeout raised by curl's timer, together.
  const [refused, stalled] = await multi.fetchAll([
    { url: `http://127.0.0.1:${await refusedPort()}/` },
    { url: `${base}/stall`, timeoutMs: 300 },
  ], 2);
  console.log(`refused: CURLcode ${refused.code} (${refused.message})`);
  console.log(`stalled: CURLcode ${stalled.code} (${stalled.message})`);
  if (refused.code !== CURLE.COULDNT_CONNECT) wrong.push("the refused connection was not refused");
  if (stalled.code !== CURLE.OPERATION_TIMEDOUT) {
    wrong.push("the stalled transfer did not time out");
  }

  multi.close();
  loop.stop();
  await looping;
  loop.destroy();
  server.closeAllConnections();
  server.close();
  if (wrong.length > 0) {
    console.error(`FAILED:\n${wrong.slice(0, 20).join("\n")}`);
    process.exit(1);
  }
  console.log("ok");
}
