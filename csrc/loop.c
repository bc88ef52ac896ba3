/* loop.c: the table of open loops, wake-ups, the poll path shared by the
 * backends (el_poller_ctl, el_poller_wait) and the hosted waiter thread.
 *
 * A loop lives in a fixed slot of a static table, so a stale id can always
 * be checked against the slot's generation instead of following a freed
 * pointer (cross-thread posters and signal handlers may hold old ids). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static struct el_loop loops[EL_MAX_LOOPS];
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static uint32_t next_gen = 1;
static int open_count;

/* Generations use the 21 bits left above the slot so ids stay positive. */
#define GEN_MASK ((1u << (31 - EL_SLOT_BITS)) - 1)

struct el_loop *loop_acquire(int32_t id) {
  struct el_loop *loop;
  uint32_t gen;

  if (id < 0)
    return NULL;
  loop = &loops[id & (EL_MAX_LOOPS - 1)];
  gen = (uint32_t)id >> EL_SLOT_BITS;
  atomic_fetch_add(&loop->users, 1);
  /* Checked after pinning: close clears gen before it waits for users. */
  if (gen == 0 || atomic_load(&loop->gen) != gen) {
    atomic_fetch_sub(&loop->users, 1);
    return NULL;
  }
  return loop;
}

void loop_release(struct el_loop *loop) { atomic_fetch_sub(&loop->users, 1); }

/* ---- loops die with their thread ----------------------------------------
 * A Worker terminated without destroy() leaves its loops behind, and
 * neither runtime tells a library when an isolate goes. But the Worker's
 * thread ends, and a thread-specific key's destructor runs as it does
 * (pthread_key_create(3): on pthread_exit and on return from the thread's
 * start routine, not on exit(3), so the main thread's loops are never
 * closed under it). Every thread that opens a loop sets the key; its
 * destructor closes the loops that thread opened, which disarms the
 * waker (the waiter thread is joined first), frees the slot, the fds and
 * the signal listeners. */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static int exit_key_ok;

/* The thread teardown hook's token (el_thread_teardown_hook), shared by
 * the thread (until it ends) and the runtime's buffer (until freed): the
 * last of the two frees it. owner_gone, under table_mu, keeps a release
 * that comes after the thread ended from disarming a new thread that got
 * the same pthread_t. */
struct thread_token {
  pthread_t owner;
  int owner_gone;
  atomic_int refs;
};

static __thread struct thread_token *thread_token;

static void unref_token(struct thread_token *token) {
  if (atomic_fetch_sub(&token->refs, 1) == 1)
    free(token);
}

/* The ids of the open loops `owner` opened, under table_mu. */
static int owned_loops(pthread_t owner, int32_t *ids) {
  int i, n = 0;
  for (i = 0; i < EL_MAX_LOOPS; i++)
    if (atomic_load(&loops[i].gen) != 0 && pthread_equal(loops[i].owner, owner))
      ids[n++] = loops[i].id;
  return n;
}

static void close_thread_loops(void *mark) {
  int32_t ids[EL_MAX_LOOPS];
  struct thread_token *token = thread_token;
  int i, n;

  (void)mark;
  pthread_mutex_lock(&table_mu);
  if (token != NULL)
    token->owner_gone = 1;
  n = owned_loops(pthread_self(), ids);
  pthread_mutex_unlock(&table_mu);
  if (token != NULL) {
    thread_token = NULL;
    unref_token(token);
  }
  /* -ESTALE: another thread closed it meanwhile, which is as good. */
  for (i = 0; i < n; i++)
    el_loop_close(ids[i]);
}

/* Disarms the wakers of the loops the token's thread opened, unless that
 * thread is gone (its loops are closed already): their waiter threads call
 * nothing any more; the loops stay open until the thread ends. Then drops
 * the buffer's reference. Runs wherever the runtime frees the buffer. */
static void release_thread_token(void *bytes, void *ctx) {
  struct thread_token *token = bytes;
  int32_t ids[EL_MAX_LOOPS];
  struct el_loop *loop;
  int i, n = 0;

  (void)ctx;
  pthread_mutex_lock(&table_mu);
  if (!token->owner_gone)
    n = owned_loops(token->owner, ids);
  pthread_mutex_unlock(&table_mu);
  for (i = 0; i < n; i++) {
    loop = loop_acquire(ids[i]);
    if (loop == NULL)
      continue;
    pthread_mutex_lock(&loop->mu);
    loop->waker = NULL;
    pthread_mutex_unlock(&loop->mu);
    loop_release(loop);
  }
  unref_token(token);
}

static void watch_thread_exit(void);

int32_t el_thread_teardown_hook(uint64_t *out) {
  struct thread_token *token;

  /* One per thread: it disarms every loop of the thread. */
  if (thread_token != NULL)
    return -EEXIST;
  token = malloc(sizeof(*token));
  if (token == NULL)
    return -ENOMEM;
  token->owner = pthread_self();
  token->owner_gone = 0;
  atomic_store(&token->refs, 2);
  thread_token = token;
  /* The exit destructor marks the token, loops or not. */
  watch_thread_exit();
  out[0] = (uint64_t)(uintptr_t)token;
  out[1] = (uint64_t)(uintptr_t)release_thread_token;
  return 0;
}

static void make_exit_key(void) {
  exit_key_ok = pthread_key_create(&exit_key, close_thread_loops) == 0;
}

/* Arms the calling thread's exit destructor (once per thread: the
 * destructor runs only for a non-NULL value). */
static void watch_thread_exit(void) {
  pthread_once(&exit_key_once, make_exit_key);
  if (exit_key_ok && pthread_getspecific(exit_key) == NULL)
    pthread_setspecific(exit_key, &exit_key);
}

void loop_for_each(void (*fn)(struct el_loop *, int), int arg) {
  int i;
  pthread_mutex_lock(&table_mu);
  for (i = 0; i < EL_MAX_LOOPS; i++)
    if (atomic_load(&loops[i].gen) != 0)
      fn(&loops[i], arg);
  pthread_mutex_unlock(&table_mu);
}

static int is_own_fd(struct el_loop *loop, int fd) {
  return fd == loop->backend_fd || fd == loop->wake_fd ||
         fd == loop->wake_write_fd || backend_owns_fd(loop, fd);
}

int loop_owns_fd(int fd) {
  int i, owned = 0;
  pthread_mutex_lock(&table_mu);
  for (i = 0; i < EL_MAX_LOOPS && !owned; i++)
    if (atomic_load(&loops[i].gen) != 0)
      owned = is_own_fd(&loops[i], fd);
  pthread_mutex_unlock(&table_mu);
  return owned;
}

/* Makes the loop's wait return; async-signal-safe. Eight bytes: what an
 * eventfd takes, and one atomic write (under PIPE_BUF) to a pipe. */
static int write_wake(struct el_loop *loop) {
  uint64_t one = 1;
  /* EAGAIN: the counter or the pipe is full, so the loop is signalled. */
  if (write(loop->wake_write_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
    return -errno;
  return 0;
}

int32_t el_loop_count(void) {
  int n;
  pthread_mutex_lock(&table_mu);
  n = open_count;
  pthread_mutex_unlock(&table_mu);
  return n;
}

int32_t el_loop_open(void) {
  struct el_loop *loop = NULL;
  uint32_t gen;
  int i, err;

  watch_thread_exit();
  pthread_mutex_lock(&table_mu);
  for (i = 0; i < EL_MAX_LOOPS; i++)
    if (!loops[i].in_use) {
      loop = &loops[i];
      break;
    }
  if (loop == NULL) {
    pthread_mutex_unlock(&table_mu);
    return -EMFILE;
  }
  gen = next_gen;
  next_gen = (next_gen & GEN_MASK) + 1;
  if (next_gen > GEN_MASK)
    next_gen = 1;

  loop->backend_fd = -1;
  loop->wake_fd = -1;
  loop->wake_write_fd = -1;
  loop->timer_armed = 0;
  loop->backend = NULL;
  atomic_store(&loop->wake_pending, 0);
  atomic_store(&loop->wake_bits, 0);
  loop->thread_started = 0;
  loop->closing = 0;
  loop->park_seq = 0;
  loop->done_seq = 0;
  loop->waker = NULL;
  loop->node_watch = NULL;
  loop->owner = pthread_self();
  loop->id = (int32_t)((gen << EL_SLOT_BITS) | (uint32_t)i);
  err = backend_open(loop);
  if (err < 0) {
    backend_close(loop);
    pthread_mutex_unlock(&table_mu);
    return err;
  }
  pthread_mutex_init(&loop->mu, NULL);
  pthread_cond_init(&loop->cv, NULL);
  inbox_init(loop);
  open_count++;
  loop->in_use = 1;
  atomic_store(&loop->gen, gen);
  pthread_mutex_unlock(&table_mu);
  return loop->id;
}

int32_t el_loop_close(int32_t id) {
  struct el_loop *loop = loop_acquire(id);
  int started;

  if (loop == NULL)
    return -ESTALE;
  pthread_mutex_lock(&table_mu);
  /* One closer wins; one racing with it on the same id finds it stale. */
  if (atomic_load(&loop->gen) != (uint32_t)id >> EL_SLOT_BITS) {
    pthread_mutex_unlock(&table_mu);
    loop_release(loop);
    return -ESTALE;
  }
  /* New lookups fail from here on; the slot stays taken (in_use) until
   * the teardown below is over. */
  atomic_store(&loop->gen, 0);
  pthread_mutex_unlock(&table_mu);

  /* The waker is disarmed before the wake below ends the waiter's block:
   * a close from the thread-exit destructor runs after the runtime freed
   * the waker (Bun frees a JSCallback's code with its VM). */
  pthread_mutex_lock(&loop->mu);
  loop->closing = 1;
  loop->waker = NULL;
  started = loop->thread_started;
  pthread_cond_signal(&loop->cv);
  pthread_mutex_unlock(&loop->mu);
  /* Whoever blocks on the poller (the waiter thread, an el_loop_block
   * caller) returns now. The waiter thread's waker never waits for the JS
   * thread (see el_loop_park), so joining it cannot deadlock. */
  write_wake(loop);
  if (started)
    pthread_join(loop->thread, NULL);
  loop_release(loop);
  /* Lookups that pinned the loop before gen was cleared finish their
   * write first: they hold no lock, so a short spin is all they need. */
  while (atomic_load(&loop->users) != 0)
    sched_yield();
  node_loop_close(loop);
  signal_loop_close(loop);
  backend_close(loop);
  /* Messages nobody drained are freed with the loop. */
  inbox_free(loop);
  pthread_cond_destroy(&loop->cv);
  pthread_mutex_destroy(&loop->mu);
  /* Only now may el_loop_open hand the slot out again. */
  pthread_mutex_lock(&table_mu);
  loop->in_use = 0;
  open_count--;
  pthread_mutex_unlock(&table_mu);
  return 0;
}

int loop_wake_bits(struct el_loop *loop, unsigned bits) {
  /* The reason first: the poller clears wake_pending before it takes the
   * bits, so a reason added after that take also writes again. */
  atomic_fetch_or(&loop->wake_bits, bits);
  /* One write per burst: the loop clears wake_pending when it drains. */
  if (atomic_exchange(&loop->wake_pending, 1) == 0)
    return write_wake(loop);
  return 0;
}

unsigned loop_take_wake_bits(struct el_loop *loop) {
  unsigned bits = atomic_exchange(&loop->wake_bits, 0);
  return bits != 0 ? bits : EL_WAKE_WAKE;
}

int32_t el_loop_wake(int32_t id) {
  struct el_loop *loop = loop_acquire(id);
  int err;

  if (loop == NULL)
    return -ESTALE;
  err = loop_wake_bits(loop, EL_WAKE_WAKE);
  loop_release(loop);
  return err;
}

/* Arms the timer for a wait of timeout_ms: a positive timeout arms it;
 * blocking for ever disarms one left from an earlier wait, which would
 * otherwise wake us for nothing; polling (0) leaves it alone. */
static int arm_timer(struct el_loop *loop, double timeout_ms) {
  if (timeout_ms > 0 || (timeout_ms < 0 && loop->timer_armed))
    return backend_timer(loop, timeout_ms);
  return 0;
}

int loop_arm_watch(struct el_loop *loop, double timeout_ms) {
  int err;

  timeout_ms = timeout_or_never(timeout_ms);
  /* A zero timeout must still make the fd readable: no wait is made here
   * that could return at once. */
  if (timeout_ms == 0)
    timeout_ms = 1e-6;
  err = arm_timer(loop, timeout_ms);
  return err < 0 ? err : backend_watch(loop);
}

/* Blocks until the poller has something to report or timeout_ms passes. */
static int block(struct el_loop *loop, double timeout_ms) {
  int err;

  if (timeout_ms == 0)
    return 0;
  err = arm_timer(loop, timeout_ms);
  return err < 0 ? err : backend_block(loop);
}

int32_t el_poller_ctl(int32_t id, int32_t op, int32_t fd, uint32_t events) {
  struct el_loop *loop;
  int r;

  if (op < EL_CTL_ADD || op > EL_CTL_CHECK)
    return -EINVAL;
  if (fd < 0)
    return -EBADF;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  /* epoll_ctl(2) answers EINVAL for the epoll fd itself; the wake and
   * timer fds are refused the same way, as a MOD would hijack them. */
  if (is_own_fd(loop, fd)) {
    loop_release(loop);
    return -EINVAL;
  }
  events &= EL_READ | EL_WRITE | EL_PRI | EL_EDGE;
  r = backend_ctl(loop, op, fd, events);
  /* Registration that cannot go stale, as libev (ev_epoll.c,
   * epoll_modify) and libuv (linux.c, uv__io_poll) retry. EEXIST: the
   * kernel still has this file under fd, registered before the caller
   * forgot it. ENOENT: fd was closed behind the loop's back (the kernel
   * dropped the registration) and its number now names another file. */
  if (op == EL_CTL_ADD && r == -EEXIST)
    r = backend_ctl(loop, EL_CTL_MOD, fd, events);
  else if (op == EL_CTL_MOD && r == -ENOENT)
    r = backend_ctl(loop, EL_CTL_ADD, fd, events);
  loop_release(loop);
  return r;
}

int32_t el_poller_wait(int32_t id, int32_t *out, int32_t max,
                       double timeout_ms) {
  struct el_loop *loop;
  uint64_t drained[8];
  int n, woke = 0;

  /* One pair is kept for the wake pseudo-event. */
  if (max < 2)
    return -EINVAL;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  if (max > EL_MAX_EVENTS)
    max = EL_MAX_EVENTS;
  timeout_ms = timeout_or_never(timeout_ms);
  n = arm_timer(loop, timeout_ms);
  if (n == 0)
    n = backend_wait(loop, out, max - 1, timeout_ms != 0, &woke);
  if (n >= 0 && woke) {
    /* Drain the wake fd, then clear the flag. The other order loses
     * wakes: a waker that sets the flag and writes between the clear and
     * the read has its write consumed here, leaving the flag set with an
     * empty fd, so every later waker skips its write and the loop sleeps
     * through them. In this order a waker that finds the flag still set
     * is covered by the caller's work after this returns (it drains what
     * was queued before the flag was seen). A short read means empty
     * (an eventfd reads whole; EAGAIN: drained by an earlier pass). */
    while (read(loop->wake_fd, drained, sizeof(drained)) ==
           (ssize_t)sizeof(drained))
      ;
    atomic_store(&loop->wake_pending, 0);
    out[2 * n] = -1;
    out[2 * n + 1] = (int32_t)loop_take_wake_bits(loop);
    n++;
  }
  loop_release(loop);
  return n;
}

int32_t el_loop_block(int32_t id, double timeout_ms) {
  struct el_loop *loop = loop_acquire(id);
  int err;

  if (loop == NULL)
    return -ESTALE;
  err = block(loop, timeout_or_never(timeout_ms));
  loop_release(loop);
  return err;
}

int32_t el_loop_set_waker(int32_t id, void (*waker)(int32_t, int32_t)) {
  struct el_loop *loop = loop_acquire(id);

  if (loop == NULL)
    return -ESTALE;
  pthread_mutex_lock(&loop->mu);
  loop->waker = waker;
  pthread_mutex_unlock(&loop->mu);
  loop_release(loop);
  return 0;
}

/* The waiter thread: blocks on the poller for the JS thread, which stays
 * free for the host runtime, then reports through the waker. */
static void *waiter_main(void *arg) {
  struct el_loop *loop = arg;
  uint64_t seq;
  double timeout;
  void (*waker)(int32_t, int32_t);
  int err;

  for (;;) {
    pthread_mutex_lock(&loop->mu);
    while (!loop->closing && loop->park_seq == loop->done_seq)
      pthread_cond_wait(&loop->cv, &loop->mu);
    if (loop->closing) {
      pthread_mutex_unlock(&loop->mu);
      return NULL;
    }
    seq = loop->park_seq;
    timeout = loop->park_timeout;
    pthread_mutex_unlock(&loop->mu);

    /* A failed wait is reported, never passed off as readiness: the JS
     * thread would poll, find nothing and park again, for ever. */
    while ((err = block(loop, timeout)) == -EINTR)
      ;

    /* Called under mu, so whoever disarms the waker (close, the thread
     * teardown hook) knows no call is under way once it holds mu. The
     * waker only queues (see el_loop_park): mu is held briefly. */
    pthread_mutex_lock(&loop->mu);
    loop->done_seq = seq;
    waker = loop->closing ? NULL : loop->waker;
    if (waker != NULL)
      waker(loop->id, err);
    pthread_mutex_unlock(&loop->mu);
  }
}

int32_t el_loop_park(int32_t id, double timeout_ms) {
  struct el_loop *loop = loop_acquire(id);
  int err = 0;

  if (loop == NULL)
    return -ESTALE;
  pthread_mutex_lock(&loop->mu);
  /* Closing: close took the waker away and decided whether to join. */
  if (loop->closing || loop->waker == NULL) {
    err = loop->closing ? -ESTALE : -EINVAL;
    pthread_mutex_unlock(&loop->mu);
    loop_release(loop);
    return err;
  }
  if (!loop->thread_started) {
    err = pthread_create(&loop->thread, NULL, waiter_main, loop);
    if (err != 0) {
      pthread_mutex_unlock(&loop->mu);
      loop_release(loop);
      return -err;
    }
    loop->thread_started = 1;
  }
  loop->park_timeout = timeout_or_never(timeout_ms);
  loop->park_seq++;
  pthread_cond_signal(&loop->cv);
  pthread_mutex_unlock(&loop->mu);
  loop_release(loop);
  return 0;
}
