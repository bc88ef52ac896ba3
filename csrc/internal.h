/* internal.h: state shared by the shim's files; never seen by TypeScript. */
#ifndef EVLOOP_INTERNAL_H
#define EVLOOP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "evloop.h"

struct el_loop {
  /* Generation of the id that names this slot; 0 while the slot is free.
   * Cleared first on close, so new lookups fail before anything is freed. */
  _Atomic uint32_t gen;
  /* 1 from el_loop_open until el_loop_close finished tearing the loop
   * down (under the table lock): only then may a new loop take the slot,
   * whose fds the teardown would otherwise close. */
  int in_use;
  /* The thread that opened the loop: when it ends (a Worker terminated
   * without destroy()), its thread-exit destructor closes the loop. Set
   * before the id is published, never changed. */
  pthread_t owner;
  /* Lookups in flight (el_loop_wake from any thread or a signal handler).
   * Close waits for zero before it closes the fds those lookups write to. */
  atomic_int users;
  /* 1 while a wake is written and not yet drained: coalesces wakes. */
  atomic_int wake_pending;
  /* EL_WAKE_* reasons of the pending wake, reported and cleared by the
   * poller with the wake pseudo-event. */
  atomic_uint wake_bits;

  int backend_fd;    /* epoll or kqueue fd */
  int wake_fd;       /* read end of the wake: eventfd (epoll), pipe (kqueue) */
  int wake_write_fd; /* write end: the same eventfd, or the pipe's other end */
  int timer_armed;   /* the backend's timer may still fire */
  /* What only one backend needs (epoll.c, kqueue.c); NULL while closed. */
  struct el_backend *backend;

  /* The hosted waiter thread (started by the first el_loop_park). */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  int thread_started;
  int closing;
  uint64_t park_seq;
  uint64_t done_seq;
  double park_timeout;
  void (*waker)(int32_t, int32_t);
  int32_t id;
  /* Node's hosted wait (node.c): the uv_poll watch of the poller fd, on
   * the owner thread's uv loop; touched by that thread only. */
  void *node_watch;

  /* The cross-thread inbox (inbox.c): a FIFO of posted messages, bounded
   * by message count and payload bytes; every field under inbox_mu. */
  pthread_mutex_t inbox_mu;
  struct inbox_node *inbox_head;
  struct inbox_node *inbox_tail;
  uint32_t inbox_msgs;
  uint32_t inbox_bytes;
  uint32_t inbox_max_msgs;
  uint32_t inbox_max_bytes;
};

/* Finds an open loop and pins it (users + 1); NULL for a stale id.
 * Async-signal-safe. Every successful call is paired with loop_release. */
struct el_loop *loop_acquire(int32_t id);
void loop_release(struct el_loop *loop);
/* Adds EL_WAKE_* `bits` to the loop's pending wake and wakes it
 * (coalesced; async-signal-safe). Returns 0 or -errno. */
int loop_wake_bits(struct el_loop *loop, unsigned bits);
/* Takes the pending wake reasons (EL_WAKE_WAKE if none was given); the
 * poller calls it after it drained the wake eventfd. */
unsigned loop_take_wake_bits(struct el_loop *loop);
/* Arms the loop's timer for a wait of timeout_ms that another event loop
 * makes on its poller fd (node.c; 0 arms the shortest timer, so the fd
 * turns readable at once) and returns that fd, or -errno. */
int loop_arm_watch(struct el_loop *loop, double timeout_ms);
/* Calls fn(loop, arg) for every open loop (under the table lock). */
void loop_for_each(void (*fn)(struct el_loop *, int), int arg);
/* 1 if fd is one of an open loop's own fds (poller, wake, timer). */
int loop_owns_fd(int fd);

/* The wait's events array, and so the pairs one el_poller_wait returns. */
#define EL_MAX_EVENTS 256

/* The backend (epoll.c or kqueue.c): only what differs between pollers.
 * loop.c validates, pins the loop, arms the timer, drains the wake fd and
 * reports the wake pair around these (el_poller_ctl, el_poller_wait). */

/* Opens the poller, the wake fds (backend_fd, wake_fd, wake_write_fd: each
 * O_NONBLOCK | O_CLOEXEC) and the backend's private state; 0 or -errno.
 * On failure loop.c calls backend_close, which takes a half-open loop. */
int backend_open(struct el_loop *loop);
void backend_close(struct el_loop *loop);
/* Applies a valid EL_CTL_* op with interest events (only EL_READ, EL_WRITE,
 * EL_PRI) to fd >= 0 (not one of the loop's own); fails as epoll_ctl(2)
 * does (EEXIST, ENOENT, EBADF, EPERM): loop.c adds the retries. A DEL
 * forgets fd even when it fails. EL_CTL_CHECK: 1 if fd is registered
 * for the file now open under it, else 0. */
int backend_ctl(struct el_loop *loop, int op, int fd, uint32_t events);
/* 1 if fd is one of the backend's private fds (epoll: the timerfd). */
int backend_owns_fd(struct el_loop *loop, int fd);
/* Arms the one-shot timer to fire timeout_ms (> 0) after the next wait
 * starts, or disarms it (timeout_ms <= 0). Sets timer_armed. */
int backend_timer(struct el_loop *loop, double timeout_ms);
/* Collects up to max (fd, events) pairs into out, blocking when `block`
 * until there is one or the wake fd or the timer fires; sets *woke when
 * the wake fd is readable (loop.c drains it). Returns the pair count or
 * -errno. */
int backend_wait(struct el_loop *loop, int32_t *out, int max, int block,
                 int *woke);
/* Blocks until the poller has something to report, without consuming
 * anything the loop's next backend_wait must see (the waiter thread). */
int backend_block(struct el_loop *loop);
/* For a wait that another event loop makes for this one (node.c: libuv
 * watches the poller fd): applies the timer change loop.c just armed, if
 * the backend defers it, and returns the fd that turns readable when
 * backend_wait has something to report; -ENOTSUP when no other poller can
 * watch it (libkqueue's kqueue fd is a pipe's write end). */
int backend_watch(struct el_loop *loop);
/* Drops fd from this loop's interest set, ignoring "not watched"; shaped
 * for loop_for_each. */
void backend_forget_fd(struct el_loop *loop, int fd);
/* The socket error (SO_ERROR) of fd that the poller read, and so cleared,
 * while reporting an event (kqueue.c), or 0; forgets it. el_sock_error
 * falls back on it. Process-wide, thread-safe. */
int backend_take_sock_error(int fd);

/* sock_atomic.c or sock_fcntl.c (CMake picks the one the OS supports):
 * every fd they return is O_NONBLOCK | FD_CLOEXEC, every socket also
 * SO_NOSIGPIPE where that exists. Each returns an fd (or 0 for the
 * pairs, written to fds) or -errno, and leaves nothing open on failure. */
int sock_open(int family, int type);
int sock_pair(int fds[2]);
int sock_accept(int fd);
int sock_pipe(int fds[2]);

/* node.c: closes the loop's libuv watch when el_loop_close runs on the
 * thread that owns it (before the poller fd it watches is closed). */
void node_loop_close(struct el_loop *loop);

/* signal.c: drops the loop's signal registrations (el_loop_close). */
void signal_loop_close(struct el_loop *loop);

/* The inbox's lifetime (inbox.c), called by el_loop_open before the id is
 * published and by el_loop_close once no poster holds the loop. */
void inbox_init(struct el_loop *loop);
void inbox_free(struct el_loop *loop);

/* core.c: the monotonic clock, and a string copied into a caller's
 * buffer (truncated, NUL-terminated; its length, or -EINVAL for len <= 0). */
double now_ms(void);
/* timeout_ms, or -1 (no timeout) when it is beyond EL_TIMEOUT_MAX_MS: a
 * timer that far ahead would overflow the kernel's time types (EINVAL)
 * and can never fire anyway. Every ABI entry that waits calls it. */
double timeout_or_never(double timeout_ms);
int32_t copy_out(const char *s, char *buf, int32_t len);
/* Grows a table of `size`-byte entries indexed by fd (new ones zeroed,
 * doubling from 64) until index i fits; returns the new table, or NULL out
 * of memory (the old one is then unchanged). The caller stores it. */
void *table_grow(void *table, int *len, size_t size, int i);

/* tty_linux.c or tty_bsd.c: the line speed of a terminal (any positive
 * rate) and its read-back; 0 or -errno, and the rate or -errno. */
int32_t tty_speed_set(int fd, int32_t baud);
int32_t tty_speed_get(int fd);

#endif /* EVLOOP_INTERNAL_H */
