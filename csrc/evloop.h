/* evloop.h: the whole C ABI of the evloop shim.
 *
 * Conventions (the same for every function below):
 * - Only int32_t, uint32_t, double and caller-owned buffers cross the ABI:
 *   no struct and no pointer owned by the shim is ever handed out.
 * - Every function returns >= 0 on success or -errno on failure.
 * - A loop is named by an int32_t id: (generation << EL_SLOT_BITS) | slot.
 *   An id whose loop was closed is rejected with -ESTALE, never followed.
 * - Event masks use epoll's values on every OS (kqueue results are
 *   translated): EL_READ 0x001, EL_PRI 0x002, EL_WRITE 0x004,
 *   EL_ERR 0x008, EL_HUP 0x010.
 */
#ifndef EVLOOP_H
#define EVLOOP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility (CMakeLists.txt): what this
 * header declares is all it exports, so no internal helper (now_ms,
 * loop_acquire, ...) can collide with another library's symbol. */
#pragma GCC visibility push(default)

#define EL_READ 0x001
#define EL_PRI 0x002
#define EL_WRITE 0x004
#define EL_ERR 0x008
#define EL_HUP 0x010
/* An el_poller_ctl interest flag, not an event (and not epoll's value):
 * edge-triggered (EPOLLET, kqueue's EV_CLEAR). The fd is reported when it
 * turns ready, not while it stays ready: its owner reads or writes until
 * EAGAIN before it waits again, and arms once instead of per wait. */
#define EL_EDGE 0x1000

/* Bits of the pseudo-event (fd = -1) that el_poller_wait reports when the
 * loop's wake eventfd fired. */
#define EL_WAKE_WAKE 0x1   /* el_loop_wake() was called */
#define EL_WAKE_SIGNAL 0x2 /* a signal this loop listens to arrived */
#define EL_WAKE_INBOX 0x4  /* the cross-thread inbox has entries */

/* el_poller_ctl operations. */
#define EL_CTL_ADD 1
#define EL_CTL_MOD 2
#define EL_CTL_DEL 3
#define EL_CTL_CHECK 4

/* The longest timeout a wait arms a timer for: about 292 years, the range
 * of the signed 64-bit nanosecond count the kernels' timers keep. A longer
 * finite timeout (a timer scheduled 1e300 ms ahead) cannot end in practice,
 * so it waits as a negative one does: with no timeout at all. */
#define EL_TIMEOUT_MAX_MS 9.2e12

#define EL_SLOT_BITS 10
#define EL_MAX_LOOPS (1 << EL_SLOT_BITS)

/* ---- core.c: versions, clock, errors ---------------------------------- */

/* ABI version (bumped on any incompatible change; 2: the waker gets the
 * park's result; 3: el_tcp_listen takes flags; 4: el_signal_last_arrival;
 * 6: el_node_park, el_node_detach and the N-API module entry points;
 * 7: the el_tty_* functions, el_inotify_init, el_inotify_add_watch and
 * el_inotify_rm_watch; the EL_EDGE interest flag). */
int32_t el_abi_version(void);
/* Writes the backend name ("epoll" or "kqueue") into buf; returns its length. */
int32_t el_backend_name(char *buf, int32_t len);
/* Monotonic clock in milliseconds (CLOCK_MONOTONIC), sub-ms precision. */
double el_now_ms(void);
/* Writes the symbolic name of errno `err` ("EBADF") into buf; returns length,
 * or -EINVAL for an unknown number. */
int32_t el_errno_name(int32_t err, char *buf, int32_t len);
/* The calling thread's errno now. For a foreign library called over FFI
 * (src/sys/native_library.ts): read it right after the call that set it, before
 * anything else on this thread can change it. */
int32_t el_errno(void);
/* Sets the calling thread's errno (0 clears it before a call whose failure
 * is signalled by errno alone). */
void el_set_errno(int32_t err);
/* Writes strerror(err) into buf; returns its length. */
int32_t el_strerror(int32_t err, char *buf, int32_t len);
/* Writes the kernel's name and release ("Linux 6.1.0") into buf (uname). */
int32_t el_kernel(char *buf, int32_t len);
/* Number of loops currently open in the process. */
int32_t el_loop_count(void);

/* ---- loop.c: loop lifetime, wake-ups, the hosted waiter thread -------- */

/* Opens a loop (poller, wake eventfd, timer); returns its id, or -EMFILE
 * when all EL_MAX_LOOPS slots are taken.
 * A loop belongs to the thread that opened it: when that thread ends (a
 * Worker terminated without destroy(), or any pthread that returns or
 * calls pthread_exit), the shim closes the loop as el_loop_close does, so
 * a terminated Worker never holds a slot, fds, a waiter thread or signal
 * listeners. Hand a loop to another thread only if the opener outlives
 * it. The main thread's loops are not closed at exit(3). */
int32_t el_loop_open(void);
/* Closes a loop: disarms the waker, wakes and joins its waiter thread,
 * closes every fd the shim opened for it and drops its signal listeners.
 * Its id is stale from the start (-ESTALE for every call, a second close
 * included); the slot is handed out again only once all of this is done,
 * whatever other threads open or close meanwhile. Returns 0. */
int32_t el_loop_close(int32_t id);
/* Wakes the loop if it waits (thread-safe, async-signal-safe, coalesced:
 * while a wake is pending no further write is made). Returns 0. */
int32_t el_loop_wake(int32_t id);
/* Blocks the calling thread until the poller has an event, the wake eventfd
 * fires, or timeout_ms passes (< 0 or > EL_TIMEOUT_MAX_MS: no timeout),
 * without consuming anything; returns 0, -EINTR, or -errno when the wait
 * failed (which is no readiness: the caller reports it). For runtimes that can run a call on a
 * worker thread and resolve a promise (Deno's `nonblocking` FFI): the loop
 * stays pinned meanwhile, so el_loop_close wakes it and waits for it. */
int32_t el_loop_block(int32_t id, double timeout_ms);
/* Registers the function the waiter thread calls when a park ends, with
 * the loop id and the wait's result (0, or -errno when the wait failed:
 * no readiness, the caller reports it). Called from the loop's thread
 * before the first park. */
int32_t el_loop_set_waker(int32_t id, void (*waker)(int32_t, int32_t));
/* For runtimes whose thread-safe callbacks do not block the caller (Bun):
 * asks the waiter thread to block until the poller has an event, the wake
 * eventfd fires, or timeout_ms passes (< 0 or > EL_TIMEOUT_MAX_MS: no
 * timeout); then it calls the waker. Returns 0 at once. Events are then collected with
 * el_poller_wait(id, ..., 0). */
int32_t el_loop_park(int32_t id, double timeout_ms);

/* For runtimes that free a thread's callbacks before the thread ends (Bun
 * frees a Worker's JSCallbacks with its VM, a few ms before the thread
 * exits and the loops close): writes into out[0] a token naming the
 * calling thread and into out[1] the address of a function
 * void release(void *token, void *ctx), to be called once, from any
 * thread: it disarms the wakers of every loop that thread opened (if the
 * thread still runs; its loops close when it ends) and lets the token go.
 * Meant for the runtime's "external buffer freed" hook (Bun:
 * toArrayBuffer's deallocator), which runs as the VM is torn down. The one
 * ABI entry that hands out addresses, as only such a hook can take them.
 * Returns 0, -EEXIST if the thread has its token already (one disarms
 * all its loops), or -ENOMEM. */
int32_t el_thread_teardown_hook(uint64_t *out);

/* ---- node.c: hosted mode on Node (libuv's loop waits for the shim's) --- */

/* Node runs no FFI call on another thread and lets no other thread call
 * back into JavaScript, so there the park is made by libuv itself: a
 * uv_poll handle on the calling thread's uv loop watches the loop's
 * poller fd. The library is loaded a second time per thread, with
 * process.dlopen(), as an N-API module: its exports are { init(waker) },
 * which makes `waker`, a JavaScript function (id, result), this thread's;
 * the waker is called through napi_make_callback (Node's callback scope:
 * ticks and microtasks run after it; refused while a Worker is torn
 * down). N-API and libuv are looked up at run time (dlsym), so the
 * library loads anywhere: outside Node the el_node_* calls return
 * -ENOSYS. */
struct napi_env__;
struct napi_value__;
/* The N-API module entry point (process.dlopen). */
struct napi_value__ *napi_register_module_v1(struct napi_env__ *env,
                                             struct napi_value__ *exports);
/* The Node-API version the module is written for (8). */
int32_t node_api_module_get_api_version_v1(void);
/* Parks loop `id` on this thread's uv loop until the poller has an event,
 * a wake comes or timeout_ms passes (< 0 or > EL_TIMEOUT_MAX_MS: no
 * timeout), then calls the waker once with (id, 0), or (id, -errno) when
 * libuv reported an error; returns 0 at once. The first park attaches the
 * watch; a parked loop keeps Node running. Loop's thread only: -ENOSYS
 * before init(waker) on this thread (or outside Node), -EPERM from a
 * thread that did not open the loop, -ENOTSUP for libkqueue's kqueue. */
int32_t el_node_park(int32_t id, double timeout_ms);
/* Stops and closes loop `id`'s watch (no waker call follows); 1 if it had
 * one on this thread, else 0. el_loop_close does it too, on the loop's
 * thread; a Worker's teardown closes its watches itself. */
int32_t el_node_detach(int32_t id);

/* ---- inbox.c: cross-thread calls --------------------------------------- */

/* Each loop has an inbox: a FIFO of byte messages that any thread may post
 * to and the loop's thread drains. A message is the UTF-8 JSON text of an
 * array whose head is the name the loop exposed and whose tail is the
 * arguments, e.g. ["tick",1,"two"]; the loop calls the function exposed
 * under that name (loop.expose) with those arguments, on its own thread.
 * Bounded: at most EL_INBOX_DEFAULT_MSGS messages and
 * EL_INBOX_DEFAULT_BYTES payload bytes are queued until changed with
 * el_inbox_set_limit. The inbox does not keep a loop running. */
#define EL_INBOX_DEFAULT_MSGS 65536
#define EL_INBOX_DEFAULT_BYTES (16 * 1024 * 1024)

/* Posts a copy of msg[0..len) to loop `id` and wakes it (coalesced: one
 * eventfd write per burst). Thread-safe: for native threads of any kind
 * (another library's worker, a device callback); not async-signal-safe (it
 * allocates). Posts from one thread are delivered in the order they were
 * made. Returns 0; -ESTALE if the loop was closed (the id is never
 * followed, so a handle may outlive its loop); -EAGAIN if the inbox is
 * full (nothing was queued: retry once the loop has drained);
 * -EMSGSIZE if len exceeds the byte limit (it could never fit); -EINVAL
 * for len <= 0; -ENOMEM. */
int32_t el_inbox_post(int32_t id, const uint8_t *msg, int32_t len);
/* Moves up to `max` messages, oldest first, into out[0..len) as records
 * (uint32 little-endian length, then the bytes) and frees them. Returns
 * the number of records; -ENOBUFS with the size the first record needs
 * written to out[0..4) (little-endian) when it does not fit in len.
 * Called by the loop's thread only. */
int32_t el_inbox_drain(int32_t id, uint8_t *out, int32_t len, int32_t max);
/* Messages currently queued. */
int32_t el_inbox_count(int32_t id);
/* Sets the limits (both >= 1). Lowering them drops nothing already
 * queued: posts are refused until the inbox is below them again. */
int32_t el_inbox_set_limit(int32_t id, int32_t max_msgs, int32_t max_bytes);

/* ---- loop.c over epoll.c / kqueue.c: the poller ------------------------ */

/* Adds (EL_CTL_ADD), modifies (EL_CTL_MOD) or deletes (EL_CTL_DEL) `fd`'s
 * interest in `events` (EL_READ | EL_WRITE | EL_PRI). Level-triggered,
 * or edge-triggered with EL_EDGE (an ADD or MOD reports the fd once if it
 * is ready then).
 * Registration never goes stale (libev, libuv): an ADD the kernel answers
 * EEXIST is retried as a MOD, a MOD it answers ENOENT (the fd was closed
 * behind the loop's back and its number reused) as an ADD. A DEL that
 * fails (-EBADF, -ENOENT: the fd was closed first) still forgets the fd;
 * its error is returned so the caller can report it. An entry the kernel
 * keeps for a file closed behind the loop's back (a dup keeps it open)
 * is never reported: epoll events carry a generation, and one from an
 * old registration makes the shim rebuild its epoll set.
 * EL_CTL_CHECK (events ignored) returns 1 if fd is registered for the
 * file now open under that number, 0 if it is not registered or the
 * registration went stale (closed, maybe reused). -EINVAL for one of the
 * loop's own fds (poller, wake, timer) and for an unknown op. */
int32_t el_poller_ctl(int32_t id, int32_t op, int32_t fd, uint32_t events);
/* Waits up to timeout_ms (< 0 or > EL_TIMEOUT_MAX_MS blocks; 0 polls;
 * sub-ms precision, never early) and writes up to `max` (fd, events) int32 pairs into `out`.
 * Internal fds are hidden; a wake is reported as the pair (-1, EL_WAKE_*).
 * Returns the number of pairs, or -EINTR (not retried). */
int32_t el_poller_wait(int32_t id, int32_t *out, int32_t max,
                       double timeout_ms);

/* ---- fd.c: fd helpers (every fd made here is O_NONBLOCK | O_CLOEXEC) -- */

/* Writes two connected fds into out[0], out[1] (pipe: read end first). */
int32_t el_fd_pipe(int32_t *out);
int32_t el_fd_socketpair(int32_t *out);
/* read(2)/write(2): bytes moved, 0 at end of file, or -errno (-EAGAIN).
 * el_fd_write sends on a socket with MSG_NOSIGNAL (a gone peer is EPIPE,
 * no SIGPIPE) and writes anything else with one write(2): it learns that
 * an fd is not a socket from el_fd_pipe or its first ENOTSOCK, and
 * forgets it when el_fd_close, el_fd_dup or a socket maker hands the
 * number out again. A number closed by other means and reused for a
 * socket is written with write(2) until then: the same bytes, but a gone
 * peer also raises SIGPIPE (ignored by Deno, Bun and Node). */
int32_t el_fd_read(int32_t fd, uint8_t *buf, int32_t len);
int32_t el_fd_write(int32_t fd, const uint8_t *buf, int32_t len);
/* Removes fd from every open loop's poller, then closes it. -EBUSY if fd
 * is one of an open loop's own fds (poller, wake, timer): el_loop_close
 * closes those. */
int32_t el_fd_close(int32_t fd);
/* Sets (on != 0) or clears O_NONBLOCK. */
int32_t el_fd_set_nonblocking(int32_t fd, int32_t on);
/* dup(2) with O_CLOEXEC: a second fd for the same open file. */
int32_t el_fd_dup(int32_t fd);
/* el_tcp_listen flags. */
#define EL_TCP_REUSEPORT 1 /* SO_REUSEPORT: share the port with others */

/* Opens a listening TCP socket on a numeric host ("127.0.0.1", "::1")
 * (NUL-terminated) and port (0 picks one) with listen(2)'s backlog (>= 0,
 * capped by the kernel) and EL_TCP_* flags; returns the fd. -EINVAL for a
 * negative backlog, an unknown flag, a port outside 0..65535 or a host
 * that is not a numeric address; -ENOTSUP for EL_TCP_REUSEPORT where the
 * system has no SO_REUSEPORT. */
int32_t el_tcp_listen(const char *host, int32_t port, int32_t backlog,
                      int32_t flags);
/* accept4(2) with TCP_NODELAY set; -EAGAIN when nothing is pending. */
int32_t el_tcp_accept(int32_t fd);
/* Starts a non-blocking connect with TCP_NODELAY; returns the fd at once
 * (completion: writable, then el_sock_error). */
int32_t el_tcp_connect(const char *host, int32_t port);
/* Local port of a bound socket. */
int32_t el_sock_port(int32_t fd);
/* Pending socket error (SO_ERROR) as -errno, or 0. */
int32_t el_sock_error(int32_t fd);
/* shutdown(2): how 0 = read, 1 = write, 2 = both. */
int32_t el_sock_shutdown(int32_t fd, int32_t how);
/* Sends one out-of-band byte (MSG_OOB); returns 1. */
int32_t el_sock_send_oob(int32_t fd, int32_t byte);
/* Receives the out-of-band byte; returns it (0..255) or -errno. */
int32_t el_sock_recv_oob(int32_t fd);

/* ---- signal.c: process signals delivered to listening loops ------------ */

/* el_signal_refusal results: why a signal cannot be handled. */
#define EL_SIGNAL_OK 0          /* it can */
#define EL_SIGNAL_UNCATCHABLE 1 /* SIGKILL, SIGSTOP: signal(7) */
#define EL_SIGNAL_FAULT 2       /* SIGSEGV, SIGBUS, SIGFPE, SIGILL: faults */
#define EL_SIGNAL_PIPE 3        /* SIGPIPE: the runtime keeps it ignored */
#define EL_SIGNAL_LIBC 4        /* reserved by the C library (NPTL: 32, 33) */
#define EL_SIGNAL_RUNTIME 5     /* the runtime had a handler at load time
                                 * (not for SIGHUP, SIGINT, SIGQUIT, SIGTERM,
                                 * SIGUSR1/2, SIGALRM, SIGCHLD, SIGCONT,
                                 * SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH: a
                                 * runtime has those for its listeners, and
                                 * the shim chains to them) */

/* The code of a drained record that stands for records lost to a full
 * queue (pid and uid are 0). */
#define EL_SIGNAL_LOST (-32768)

/* Largest signal number (64 on Linux). */
int32_t el_signal_max(void);
/* Writes the signal's name ("SIGUSR1", "SIGRTMIN+3") into buf; returns its
 * length, or -EINVAL for a number without a name. */
int32_t el_signal_name(int32_t signo, char *buf, int32_t len);
/* EL_SIGNAL_OK or the EL_SIGNAL_* reason signo is refused; -EINVAL if it
 * is out of range. */
int32_t el_signal_refusal(int32_t signo);
/* Makes loop `id` listen to signo (async-signal-safe forwarding to its
 * wake eventfd, EL_WAKE_SIGNAL). The first listener in the process
 * installs the shim's handler, which chains to the action it replaces.
 * Returns 0 (also when already listening), -EPERM for a refused signal. */
int32_t el_signal_add(int32_t id, int32_t signo);
/* Stops loop `id` listening to signo; the last listener in the process
 * restores the action found at install. Returns 1 if it listened, else 0.
 * el_loop_close removes every signal of the loop. */
int32_t el_signal_remove(int32_t id, int32_t signo);
/* Moves up to `max` pending records of loop `id` into `out` as int32
 * quadruples (signo, code, pid, uid) from the sender's siginfo, oldest
 * first; returns how many. */
int32_t el_signal_drain(int32_t id, int32_t *out, int32_t max);
/* 1 if the shim's handler is signo's current action, else 0. */
int32_t el_signal_installed(int32_t signo);
/* When the shim's handler last took signo, on el_now_ms()'s clock; -1
 * if never, -EINVAL out of range. A runtime that looks at an arrival
 * later, on a thread of its own (Deno), must still find its listener
 * then: src/signals/runtime_signals.ts waits a moment after this time before it
 * lets the runtime's listener go. */
double el_signal_last_arrival(int32_t signo);

/* ---- tty.c over tty_speed_*.c: terminals and serial ports -------------- */

/* All termios and ioctl work for serial ports happens here, never with
 * struct offsets on the TypeScript side: struct termios differs between
 * OSes and architectures. Every function takes an fd the caller opened
 * (el_tty_open, el_tty_openpt) and returns >= 0 or -errno. */

/* el_tty_configure parity values. */
#define EL_TTY_PARITY_NONE 0
#define EL_TTY_PARITY_EVEN 1
#define EL_TTY_PARITY_ODD 2
#define EL_TTY_PARITY_MARK 3  /* CMSPAR: -ENOTSUP where the OS has none */
#define EL_TTY_PARITY_SPACE 4 /* CMSPAR: -ENOTSUP where the OS has none */

/* el_tty_configure stop bits: termios has one bit (CSTOPB), so 1.5 is set
 * as CSTOPB, which a UART sends as 1.5 stop bits with 5 data bits and as
 * 2 otherwise; read back, it is EL_TTY_STOP_2. */
#define EL_TTY_STOP_1 1
#define EL_TTY_STOP_2 2
#define EL_TTY_STOP_1_5 3

/* el_tty_configure flags. */
#define EL_TTY_RTSCTS 0x01 /* CRTSCTS: hardware flow control */
#define EL_TTY_XON 0x02    /* IXON: XON/XOFF on output */
#define EL_TTY_XOFF 0x04   /* IXOFF: XON/XOFF on input */
#define EL_TTY_XANY 0x08   /* IXANY: any byte restarts output */
#define EL_TTY_HUPCL 0x10  /* HUPCL: drop DTR/RTS at the last close */

/* Modem line bits: el_tty_modem_get reports DTR..RI, el_tty_modem_set
 * takes DTR, RTS and BRK. */
#define EL_TTY_DTR 0x01
#define EL_TTY_RTS 0x02
#define EL_TTY_CTS 0x04
#define EL_TTY_DSR 0x08
#define EL_TTY_DCD 0x10
#define EL_TTY_RI 0x20
#define EL_TTY_BRK 0x40

/* The int32 slots el_tty_get_config writes. */
#define EL_TTY_CONFIG_LEN 6

/* Opens a pseudo-terminal master (posix_openpt, grantpt, unlockpt),
 * non-blocking and close-on-exec, and writes its slave's NUL-terminated
 * path ("/dev/pts/3") into path[0..len). Returns the master fd; -ERANGE
 * if the path does not fit (nothing stays open). */
int32_t el_tty_openpt(char *path, int32_t len);
/* Opens the NUL-terminated `path` as a serial port does: O_RDWR |
 * O_NOCTTY | O_NONBLOCK | O_CLOEXEC. Returns the fd; -ENOTTY (closed
 * again) when it opened something that is not a terminal (/dev/null, a
 * regular file). */
int32_t el_tty_open(const char *path);
/* Puts the terminal in raw mode (no echo, no line editing, no byte
 * translation, CLOCAL | CREAD, VMIN 1, VTIME 0), then sets the line:
 * `baud` (any positive rate: one <termios.h> names (B9600) in the same
 * tcsetattr, another with Linux termios2 and BOTHER, macOS IOSSIOSPEED,
 * the BSDs' numeric speeds), `data_bits` 5..8, `stop_bits`
 * EL_TTY_STOP_*, `parity` EL_TTY_PARITY_* and EL_TTY_* `flags`. -EINVAL
 * for a value outside those; -ENOTTY for an fd that is not a terminal. */
int32_t el_tty_configure(int32_t fd, int32_t baud, int32_t data_bits,
                         int32_t stop_bits, int32_t parity, int32_t flags);
/* Reads the line back into out[0..EL_TTY_CONFIG_LEN): baud, data bits,
 * stop bits (EL_TTY_STOP_1 or EL_TTY_STOP_2), parity (EL_TTY_PARITY_*),
 * EL_TTY_* flags, and 1 if the terminal is in raw mode (no ICANON, ECHO,
 * ISIG, OPOST) else 0. Returns 0. */
int32_t el_tty_get_config(int32_t fd, int32_t *out);
/* The output baud rate now (termios2 on Linux: the rate itself, also one
 * set with BOTHER; the Bnnn code's rate where termios2 is refused). */
int32_t el_tty_get_baud(int32_t fd);
/* The modem lines (TIOCMGET) as EL_TTY_DTR..EL_TTY_RI bits. A pty has
 * none: -ENOTTY (Linux). */
int32_t el_tty_modem_get(int32_t fd);
/* Sets the lines in `mask` (EL_TTY_DTR, EL_TTY_RTS, EL_TTY_BRK) to their
 * bit in `values`: DTR and RTS with TIOCMBIS/TIOCMBIC, the break with
 * TIOCSBRK/TIOCCBRK. -EINVAL for another bit; a pty: -ENOTTY (Linux). */
int32_t el_tty_modem_set(int32_t fd, int32_t mask, int32_t values);
/* Discards what is queued both ways (tcflush TCIOFLUSH). */
int32_t el_tty_flush(int32_t fd);
/* Bytes still queued for output (TIOCOUTQ): drain() polls it until 0. */
int32_t el_tty_outq(int32_t fd);
/* on != 0: takes the port exclusively: flock(LOCK_EX | LOCK_NB), -EBUSY
 * when another open file holds it, then TIOCEXCL (further opens fail
 * with EBUSY, except for root). on == 0: TIOCNXCL and flock(LOCK_UN). */
int32_t el_tty_lock(int32_t fd, int32_t on);
/* Sets (on != 0) or clears ASYNC_LOW_LATENCY with TIOCGSERIAL and
 * TIOCSSERIAL (Linux serial drivers); -ENOTTY or -EINVAL where the driver
 * has no such setting (a pty, a USB CDC-ACM port), -ENOTSUP off Linux. */
int32_t el_tty_low_latency(int32_t fd, int32_t on);

/* ---- inotify_linux.c (inotify_none.c elsewhere): inotify(7) ------------ */

/* inotify_init1(IN_NONBLOCK | IN_CLOEXEC): returns the inotify fd, or
 * -errno (-EMFILE at the per-user instance limit); -ENOSYS where the
 * system has no inotify (every function here, outside Linux). The fd's
 * records are read with el_fd_read (struct inotify_event, back to back; a
 * buffer too small for the next record gives -EINVAL) and it is closed
 * with el_fd_close. */
int32_t el_inotify_init(void);
/* inotify_add_watch(2): watches `path` (NUL-terminated) for the IN_* bits
 * of `mask`; returns the watch descriptor (the same one again for a path
 * already watched through this fd), or -errno (-ENOENT, -EACCES,
 * -ENOTDIR with IN_ONLYDIR, -EINVAL for a mask without an event bit,
 * -ENOSPC at the per-user watch limit). */
int32_t el_inotify_add_watch(int32_t fd, const char *path, uint32_t mask);
/* inotify_rm_watch(2): removes watch `wd` of inotify fd `fd` (the kernel
 * then queues its IN_IGNORED); returns 0, or -EINVAL for a wd that is not
 * watched (already removed, or its file gone). */
int32_t el_inotify_rm_watch(int32_t fd, int32_t wd);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* EVLOOP_H */
