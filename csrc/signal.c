/* signal.c: process signals delivered to every loop that listens, each in
 * its own thread.
 *
 * Why not signalfd: it only sees a signal that is blocked in every thread,
 * and Deno and Bun start threads before any user code runs, so the kernel
 * would deliver the signal to one of those and kill the process (libev,
 * libevent PR #1486, Cap'n Proto PR #1511, tokio-signal #10). Instead one
 * sigaction(2) handler per signal, installed while any loop listens, runs
 * in whichever thread the kernel picks. It only uses atomics and write(2)
 * (signal-safety(7)):
 *   1. for each loop slot that listens to the signal, pin the loop
 *      (loop_acquire: atomics), push the siginfo into the slot's lock-free
 *      ring (atomics and plain stores to a cell the push owns), and wake
 *      the loop through its eventfd with EL_WAKE_SIGNAL (atomics, write);
 *   2. chain to the action that was installed before (the runtime's own
 *      listener, for instance), so both run.
 * The loop's thread then collects the records with el_signal_drain().
 *
 * Everything else (install, restore, bookkeeping) happens in ordinary
 * context under sig_mu, never in the handler. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The handler reads 64-bit masks; they must not hide a lock. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "int atomics must be lock-free");

#define MAX_SIGNAL 64
#define RING_SIZE 64 /* records per loop; a power of two */
#define BIT(signo) ((uint64_t)1 << ((signo) - 1))

/* Signals the C library keeps for its threads: glibc's NPTL uses 32
 * (cancellation) and 33 (setxid), between the kernel's first real-time
 * signal and the one applications get (SIGRTMIN, see signal(7)). */
#ifdef SIGRTMIN
#define KERNEL_RTMIN 32
#define FIRST_APP_RT SIGRTMIN
#else
#define KERNEL_RTMIN (MAX_SIGNAL + 1)
#define FIRST_APP_RT (MAX_SIGNAL + 1)
#endif

/* One pending siginfo. A cell belongs to the producer that claimed its
 * position until it publishes `seq`; the consumer reads it after that
 * (a bounded multi-producer queue with per-cell sequence numbers). */
struct cell {
  atomic_uint seq;
  int32_t rec[4]; /* signo, code, pid, uid */
};

/* A loop's signal state, in the slot of its id (see loop.c). */
struct sig_slot {
  _Atomic int32_t id;     /* the listening loop, 0 when none */
  _Atomic uint64_t mask;  /* signals it listens to */
  _Atomic uint64_t lost;  /* signals whose records did not fit */
  atomic_uint head;       /* next position to claim (producers) */
  unsigned tail;          /* next position to read (the loop's thread) */
  struct cell cells[RING_SIZE];
};

/* One signal's process-wide state. */
struct sig_state {
  int listeners; /* loops listening (under sig_mu) */
  int buried;    /* another action was installed over ours (see restore) */
  /* The action found when ours was installed, double-buffered: a handler
   * still running from an earlier install reads the other copy. */
  struct sigaction prev[2];
  atomic_int cur;
};

static struct sig_slot slots[EL_MAX_LOOPS];
/* When the handler last took each signal, in ns on CLOCK_MONOTONIC (0:
 * never): clock_gettime(2) is async-signal-safe (signal-safety(7)). */
static _Atomic int64_t last_arrival_ns[MAX_SIGNAL + 1];
static struct sig_state sigs[MAX_SIGNAL + 1];
/* Slots below this index may listen; the handler scans no further. */
static atomic_int slot_limit;
/* Signals that had a handler when the shim was loaded (proc(5) SigCgt). */
static uint64_t runtime_mask;
static pthread_mutex_t sig_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- the ring ---------------------------------------------------------- */

static void ring_reset(struct sig_slot *s) {
  unsigned i;
  for (i = 0; i < RING_SIZE; i++)
    atomic_store(&s->cells[i].seq, i);
  atomic_store(&s->head, 0);
  s->tail = 0;
  atomic_store(&s->lost, 0);
}

/* Async-signal-safe and reentrant (a handler for another signal may
 * interrupt it in the same thread): it never waits for another producer.
 * Returns 0, or -1 when the ring is full. */
static int ring_push(struct sig_slot *s, const int32_t rec[4]) {
  unsigned pos = atomic_load(&s->head);
  struct cell *c;
  int diff;

  for (;;) {
    c = &s->cells[pos & (RING_SIZE - 1)];
    diff = (int)(atomic_load_explicit(&c->seq, memory_order_acquire) - pos);
    if (diff == 0) {
      if (atomic_compare_exchange_weak(&s->head, &pos, pos + 1))
        break;
    } else if (diff < 0) {
      return -1;
    } else {
      pos = atomic_load(&s->head);
    }
  }
  /* Plain stores: the cell is ours until seq is published. */
  c->rec[0] = rec[0];
  c->rec[1] = rec[1];
  c->rec[2] = rec[2];
  c->rec[3] = rec[3];
  atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
  return 0;
}

/* The loop's thread only. Returns 1 and fills rec, or 0 when nothing is
 * published at the tail yet (a producer interrupted mid-push publishes
 * later, and wakes the loop again after it does). */
static int ring_pop(struct sig_slot *s, int32_t rec[4]) {
  struct cell *c = &s->cells[s->tail & (RING_SIZE - 1)];
  unsigned seq = atomic_load_explicit(&c->seq, memory_order_acquire);

  if ((int)(seq - (s->tail + 1)) < 0)
    return 0;
  memcpy(rec, c->rec, sizeof(c->rec));
  atomic_store_explicit(&c->seq, s->tail + RING_SIZE, memory_order_release);
  s->tail++;
  return 1;
}

/* ---- the handler ------------------------------------------------------- */

static void on_signal(int signo, siginfo_t *info, void *ctx) {
  int saved_errno = errno;
  int32_t rec[4];
  struct sigaction *prev;
  struct el_loop *loop;
  int i, limit, id;
  struct timespec ts;

  if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
    atomic_store(&last_arrival_ns[signo],
                 (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
  rec[0] = signo;
  rec[1] = info != NULL ? info->si_code : 0;
  rec[2] = info != NULL ? (int32_t)info->si_pid : 0;
  rec[3] = info != NULL ? (int32_t)info->si_uid : 0;

  limit = atomic_load(&slot_limit);
  for (i = 0; i < limit; i++) {
    struct sig_slot *s = &slots[i];
    if ((atomic_load(&s->mask) & BIT(signo)) == 0)
      continue;
    id = atomic_load(&s->id);
    /* Pinned, a loop cannot close (and its eventfd cannot be reused)
     * before we are done; a stale id simply fails. */
    loop = loop_acquire(id);
    if (loop == NULL)
      continue;
    /* Checked again once pinned: the slot may have passed to a new loop
     * since the first look. */
    if (atomic_load(&s->id) == id &&
        (atomic_load(&s->mask) & BIT(signo)) != 0) {
      if (ring_push(s, rec) != 0)
        atomic_fetch_or(&s->lost, BIT(signo));
      loop_wake_bits(loop, EL_WAKE_SIGNAL);
    }
    loop_release(loop);
  }

  /* Chain, so that a listener installed before us (Deno's
   * addSignalListener, Bun's process.on) still runs. SIG_DFL and SIG_IGN
   * are not actions to run: evloop handles the signal now. Nor is a
   * one-shot action (SA_RESETHAND): it stands for the default it resets
   * to, and counts on the kernel having put that back before it runs.
   * Node installs one for SIGINT and SIGTERM at startup, which restores
   * the terminal and raises the signal again for the default to end the
   * process; run from here, with ours still installed, the raise comes
   * back to this handler, which chains to it again, for ever. */
  prev = &sigs[signo].prev[atomic_load(&sigs[signo].cur)];
  if (prev->sa_flags & SA_RESETHAND) {
    /* the default action: evloop handles the signal instead */
  } else if (prev->sa_flags & SA_SIGINFO) {
    if (prev->sa_sigaction != NULL)
      prev->sa_sigaction(signo, info, ctx);
  } else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN &&
             prev->sa_handler != NULL) {
    prev->sa_handler(signo);
  }
  errno = saved_errno;
}

/* ---- install and restore (ordinary context, under sig_mu) -------------- */

static int is_ours(const struct sigaction *sa) {
  return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == on_signal;
}

static int install(int signo) {
  struct sig_state *st = &sigs[signo];
  struct sigaction sa, cur;
  int next = !atomic_load(&st->cur);

  if (sigaction(signo, NULL, &cur) == -1)
    return -errno;
  /* Ours is still there, or restore() left it under an action installed
   * over it that chains to it: installing again would make that action
   * and ours call each other for ever. */
  if (is_ours(&cur))
    st->buried = 0;
  if (is_ours(&cur) || st->buried)
    return 0;
  st->prev[next] = cur;
  atomic_store(&st->cur, next);
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_signal;
  /* SA_RESTART: the runtime's own threads must not see EINTR because of
   * us (epoll_wait and poll still do; signal(7), "Interruption of system
   * calls"). No other signal is blocked while it runs: the ring copes
   * with nesting. */
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(signo, &sa, NULL) == -1)
    return -errno;
  return 0;
}

static void restore(int signo) {
  struct sig_state *st = &sigs[signo];
  struct sigaction cur;

  if (sigaction(signo, NULL, &cur) == -1)
    return;
  /* Someone installed over us after we did (signal-hook, under Deno's
   * addSignalListener, saves ours and chains to it): taking their action
   * away would break them, so it stays, and ours, with nobody listening,
   * only chains on. */
  if (!is_ours(&cur)) {
    st->buried = 1;
    return;
  }
  sigaction(signo, &st->prev[atomic_load(&st->cur)], NULL);
}

static int listen_one(int signo) {
  int err;
  if (sigs[signo].listeners == 0) {
    err = install(signo);
    if (err < 0)
      return err;
  }
  sigs[signo].listeners++;
  return 0;
}

static void unlisten_one(int signo) {
  if (--sigs[signo].listeners == 0)
    restore(signo);
}

/* Drops every registration of the slot's loop. */
static void slot_release(struct sig_slot *s) {
  uint64_t mask = atomic_exchange(&s->mask, 0);
  int signo;
  for (signo = 1; signo <= MAX_SIGNAL; signo++)
    if (mask & BIT(signo))
      unlisten_one(signo);
  atomic_store(&s->id, 0);
}

void signal_loop_close(struct el_loop *loop) {
  struct sig_slot *s = &slots[loop->id & (EL_MAX_LOOPS - 1)];
  pthread_mutex_lock(&sig_mu);
  if (atomic_load(&s->id) == loop->id)
    slot_release(s);
  pthread_mutex_unlock(&sig_mu);
}

/* ---- the ABI ----------------------------------------------------------- */

/* The set proc(5) calls SigCgt (signals with a handler), read through
 * sigaction(2) so it needs no file access and works where /proc does
 * not exist. It runs when the shim is loaded, before user code could
 * install anything through evloop. */
__attribute__((constructor)) static void snapshot_runtime(void) {
  struct sigaction cur;
  int signo;
  for (signo = 1; signo <= MAX_SIGNAL && signo < NSIG; signo++) {
    if (sigaction(signo, NULL, &cur) == -1)
      continue;
    if ((cur.sa_flags & SA_SIGINFO) ||
        (cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN))
      runtime_mask |= BIT(signo);
  }
}

/* Signals a process is sent to be told something (stop, reload, a child
 * ended, the window changed). A runtime handles these only for its
 * program's listeners (Deno.addSignalListener, process.on), which it may
 * have installed before the shim loaded (Deno does so for SIGHUP, SIGINT,
 * SIGTERM and SIGUSR1 about 0.5 s after start; `deno test` at once): the
 * shim chains to such a handler instead of refusing the signal. The
 * others a runtime catches at load it needs for itself (Bun suspends
 * threads for its garbage collector with SIGPWR; SIGPROF drives V8's
 * profiler): those stay refused. */
static int is_process_signal(int signo) {
  switch (signo) {
  case SIGHUP:
  case SIGINT:
  case SIGQUIT:
  case SIGTERM:
  case SIGUSR1:
  case SIGUSR2:
  case SIGALRM:
  case SIGCHLD:
  case SIGCONT:
  case SIGTSTP:
  case SIGTTIN:
  case SIGTTOU:
  case SIGWINCH:
    return 1;
  }
  return 0;
}

int32_t el_signal_max(void) {
  return NSIG - 1 < MAX_SIGNAL ? NSIG - 1 : MAX_SIGNAL;
}

int32_t el_signal_refusal(int32_t signo) {
  if (signo < 1 || signo > el_signal_max())
    return -EINVAL;
  switch (signo) {
  case SIGKILL:
  case SIGSTOP:
    return EL_SIGNAL_UNCATCHABLE;
  case SIGSEGV:
  case SIGBUS:
  case SIGFPE:
  case SIGILL:
    return EL_SIGNAL_FAULT;
  case SIGPIPE:
    return EL_SIGNAL_PIPE;
  }
  if (signo >= KERNEL_RTMIN && signo < FIRST_APP_RT)
    return EL_SIGNAL_LIBC;
  if ((runtime_mask & BIT(signo)) && !is_process_signal(signo))
    return EL_SIGNAL_RUNTIME;
  return EL_SIGNAL_OK;
}

static const char *const names[] = {
#define NAME(s) [s] = #s,
    NAME(SIGHUP) NAME(SIGINT) NAME(SIGQUIT) NAME(SIGILL) NAME(SIGTRAP)
    NAME(SIGABRT) NAME(SIGBUS) NAME(SIGFPE) NAME(SIGKILL) NAME(SIGUSR1)
    NAME(SIGSEGV) NAME(SIGUSR2) NAME(SIGPIPE) NAME(SIGALRM) NAME(SIGTERM)
    NAME(SIGCHLD) NAME(SIGCONT) NAME(SIGSTOP) NAME(SIGTSTP) NAME(SIGTTIN)
    NAME(SIGTTOU) NAME(SIGURG) NAME(SIGXCPU) NAME(SIGXFSZ) NAME(SIGVTALRM)
    NAME(SIGPROF) NAME(SIGWINCH) NAME(SIGIO) NAME(SIGSYS)
#ifdef SIGPWR
    NAME(SIGPWR)
#endif
#ifdef SIGSTKFLT
    NAME(SIGSTKFLT)
#endif
#undef NAME
};

int32_t el_signal_name(int32_t signo, char *buf, int32_t len) {
  char tmp[24];

  if (signo < 1 || signo > el_signal_max())
    return -EINVAL;
  if ((size_t)signo < sizeof(names) / sizeof(names[0]) && names[signo])
    return copy_out(names[signo], buf, len);
  if (signo == FIRST_APP_RT)
    return copy_out("SIGRTMIN", buf, len);
  if (signo > FIRST_APP_RT && signo == el_signal_max())
    return copy_out("SIGRTMAX", buf, len);
  if (signo < FIRST_APP_RT)
    return -EINVAL;
  snprintf(tmp, sizeof(tmp), "SIGRTMIN+%d", signo - FIRST_APP_RT);
  return copy_out(tmp, buf, len);
}

int32_t el_signal_add(int32_t id, int32_t signo) {
  struct el_loop *loop;
  struct sig_slot *s;
  int slot, err = 0, refusal = el_signal_refusal(signo);

  if (refusal != EL_SIGNAL_OK)
    return refusal < 0 ? -EINVAL : -EPERM;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  slot = id & (EL_MAX_LOOPS - 1);
  s = &slots[slot];
  pthread_mutex_lock(&sig_mu);
  if (atomic_load(&s->id) != id) {
    /* A loop that closed without el_loop_close's clean-up is not
     * possible, but a slot must never inherit another loop's state. */
    slot_release(s);
    ring_reset(s);
    atomic_store(&s->id, id);
    if (atomic_load(&slot_limit) <= slot)
      atomic_store(&slot_limit, slot + 1);
  }
  if ((atomic_load(&s->mask) & BIT(signo)) == 0) {
    err = listen_one(signo);
    if (err == 0)
      atomic_fetch_or(&s->mask, BIT(signo));
  }
  pthread_mutex_unlock(&sig_mu);
  loop_release(loop);
  return err;
}

int32_t el_signal_remove(int32_t id, int32_t signo) {
  struct el_loop *loop;
  struct sig_slot *s;
  int removed = 0;

  if (signo < 1 || signo > el_signal_max())
    return -EINVAL;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  s = &slots[id & (EL_MAX_LOOPS - 1)];
  pthread_mutex_lock(&sig_mu);
  if (atomic_load(&s->id) == id &&
      (atomic_fetch_and(&s->mask, ~BIT(signo)) & BIT(signo))) {
    unlisten_one(signo);
    removed = 1;
  }
  pthread_mutex_unlock(&sig_mu);
  loop_release(loop);
  return removed;
}

int32_t el_signal_drain(int32_t id, int32_t *out, int32_t max) {
  struct el_loop *loop;
  struct sig_slot *s;
  uint64_t lost;
  int n = 0, signo;

  if (max < 1)
    return -EINVAL;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  s = &slots[id & (EL_MAX_LOOPS - 1)];
  if (atomic_load(&s->id) != id) {
    loop_release(loop);
    return 0;
  }
  while (n < max && ring_pop(s, &out[4 * n]))
    n++;
  /* Records that did not fit come out once per signal, after the ring
   * has room again (the kernel coalesces standard signals the same way). */
  if (n < max && atomic_load(&s->lost) != 0) {
    lost = atomic_exchange(&s->lost, 0);
    for (signo = 1; signo <= MAX_SIGNAL; signo++) {
      if ((lost & BIT(signo)) == 0)
        continue;
      if (n == max) {
        atomic_fetch_or(&s->lost, BIT(signo));
        continue;
      }
      out[4 * n] = signo;
      out[4 * n + 1] = EL_SIGNAL_LOST;
      out[4 * n + 2] = 0;
      out[4 * n + 3] = 0;
      n++;
    }
  }
  loop_release(loop);
  return n;
}

int32_t el_signal_installed(int32_t signo) {
  struct sigaction cur;
  if (signo < 1 || signo > el_signal_max())
    return -EINVAL;
  if (sigaction(signo, NULL, &cur) == -1)
    return -errno;
  return is_ours(&cur) ? 1 : 0;
}

double el_signal_last_arrival(int32_t signo) {
  int64_t ns;
  if (signo < 1 || signo > el_signal_max())
    return -EINVAL;
  ns = atomic_load(&last_arrival_ns[signo]);
  return ns == 0 ? -1 : (double)ns / 1e6;
}
