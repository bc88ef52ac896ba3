/* internal.h: state shared by the shim's files; never seen by TypeScript. */
#ifndef EVLOOP_INTERNAL_H
#define EVLOOP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
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
  /* Lookups in flight (el_loop_wake from any thread or a signal handler).
   * Close waits for zero before it closes the fds those lookups write to. */
  atomic_int users;
  /* 1 while a wake is written and not yet drained: coalesces wakes. */
  atomic_int wake_pending;
  /* EL_WAKE_* reasons of the pending wake, reported and cleared by the
   * poller with the wake pseudo-event. */
  atomic_uint wake_bits;

  int backend_fd; /* epoll or kqueue fd */
  int wake_fd;    /* eventfd (epoll), self-pipe read end (kqueue) */
  int timer_fd;   /* timerfd (epoll); -1 where EVFILT_TIMER is used */
  int timer_armed;
  int wake_write_fd; /* kqueue: the wake self-pipe's write end */

  /* kqueue: the caller's interest per fd (kqueue.c), which kqueue cannot
   * be asked for; guarded by interest_mu (el_fd_close may run anywhere). */
  struct el_interest *interest;
  int interest_len;
  pthread_mutex_t interest_mu;

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
/* Calls fn(loop, arg) for every open loop (under the table lock). */
void loop_for_each(void (*fn)(struct el_loop *, int), int arg);

/* The backend (epoll.c or kqueue.c) implements these for loop.c. */
int backend_open(struct el_loop *loop);
void backend_close(struct el_loop *loop);
/* Makes the loop's wait return; async-signal-safe. */
int backend_wake(struct el_loop *loop);
/* Blocks until the poller has something to report or timeout_ms passes,
 * without consuming anything (the hosted waiter thread calls it). */
int backend_block(struct el_loop *loop, double timeout_ms);
/* Drops fd from this loop's interest set, ignoring "not watched". */
void backend_forget_fd(struct el_loop *loop, int fd);
/* The socket error (SO_ERROR) of fd that the poller read, and so cleared,
 * while reporting an event (kqueue.c), or 0; forgets it. el_sock_error
 * falls back on it. Process-wide, thread-safe. */
int backend_take_sock_error(int fd);

/* signal.c: drops the loop's signal registrations (el_loop_close). */
void signal_loop_close(struct el_loop *loop);

/* The inbox's lifetime (inbox.c), called by el_loop_open before the id is
 * published and by el_loop_close once no poster holds the loop. */
void inbox_init(struct el_loop *loop);
void inbox_free(struct el_loop *loop);

/* Monotonic time helpers (core.c). */
double now_ms(void);
/* timeout_ms, or -1 (no timeout) when it is beyond EL_TIMEOUT_MAX_MS: a
 * timer that far ahead would overflow the kernel's time types (EINVAL)
 * and can never fire anyway. Every ABI entry that waits calls it. */
double timeout_or_never(double timeout_ms);

#endif /* EVLOOP_INTERNAL_H */
