/* kqueue.c: the macOS/BSD poller (kqueue, with EVFILT_TIMER for sub-ms
 * timeouts and a self-pipe for wake-ups): the backend_* functions of
 * internal.h, as epoll.c defines them for epoll; on Linux this file builds
 * against libkqueue for testing.
 *
 * kqueue keys its interest on (ident, filter): one fd watched for reading
 * and writing is two knotes and comes back as up to two kevents. The shim
 * keeps the caller's interest per fd (el_backend.interest) so that
 * el_poller_ctl answers like epoll_ctl(2) (EEXIST, ENOENT, EPERM) and
 * el_poller_wait merges the kevents of one fd into one (fd, events) pair.
 * Every knote is level-triggered: EV_CLEAR, EV_ONESHOT and EV_DISPATCH are
 * never set on a caller's fd. Signals need no EVFILT_SIGNAL here: signal.c
 * forwards them through the loop's wake pipe.
 *
 * One difference stays: epoll reports EPOLLHUP and EPOLLERR for an fd added
 * with no interest at all, kqueue has no filter for "only errors", so an fd
 * added with no EL_READ, EL_WRITE or EL_PRI (or only EL_PRI where there is
 * no PRI filter) is remembered but never reported. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/event.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Out-of-band data: macOS (and OpenBSD, NetBSD) report it with
 * EVFILT_EXCEPT + NOTE_OOB; FreeBSD and libkqueue have no such filter
 * (libuv kqueue.c: "Use EVFILT_EXCEPT+NOTE_OOB for macOS since it defines
 * this flag. FreeBSD does not. Refs: libuv#3947"). Without it EL_PRI is
 * accepted and never reported: on Linux an urgent byte alone wakes
 * neither libkqueue's EVFILT_READ (epoll EPOLLIN, not EPOLLPRI) nor the
 * loop. */
#if defined(EVFILT_EXCEPT) && defined(NOTE_OOB)
#define PRI_FILTER EVFILT_EXCEPT
#define PRI_FFLAGS NOTE_OOB
#else
#define PRI_FILTER 0
#define PRI_FFLAGS 0
#endif

/* EVFILT_TIMER counts in ms unless told otherwise: nanoseconds where the
 * platform has NOTE_NSECONDS (macOS, FreeBSD >= 12, libkqueue),
 * microseconds with NOTE_USECONDS (OpenBSD, NetBSD). Rounded up. */
#if defined(NOTE_NSECONDS)
#define TIMER_UNIT NOTE_NSECONDS
#define TIMER_PER_MS 1e6
#elif defined(NOTE_USECONDS)
#define TIMER_UNIT NOTE_USECONDS
#define TIMER_PER_MS 1e3
#else
#define TIMER_UNIT 0
#define TIMER_PER_MS 1.0
#endif

/* libkqueue frees a closed kqueue on its monitoring thread, some time after
 * close(2) (src/linux/platform.c), so its epoll fd and pipe outlive
 * el_loop_close; libkqueue_drain_pending_close() (exported since 2026-04,
 * commit 949b2d4, not declared in sys/event.h) waits for that. Declared
 * weak, so an older libkqueue without it links and skips the wait. CMake
 * defines EVLOOP_LIBKQUEUE when it builds against libkqueue. */
#if defined(EVLOOP_LIBKQUEUE)
void libkqueue_drain_pending_close(void) __attribute__((weak));
#define finish_close() \
  (libkqueue_drain_pending_close ? libkqueue_drain_pending_close() : (void)0)

/* libkqueue's per-process state (the monitoring thread, an epoll fd and an
 * eventfd) comes with the first kqueue and goes, asynchronously, after the
 * last one closes: the process's fd count would then depend on timing. One
 * kqueue opened when the shim loads, never closed, keeps that state for
 * the life of the library. */
static void keep_libkqueue_state(void) __attribute__((constructor));
static void keep_libkqueue_state(void) {
  int kq = kqueue();
  if (kq != -1)
    fcntl(kq, F_SETFD, FD_CLOEXEC);
}
/* libkqueue's kqueue fd is the write end of a pipe (the close detector),
 * never readable: another poller cannot watch it (backend_watch). */
#define POLLER_WATCHABLE 0
#else
#define finish_close() ((void)0)
#define POLLER_WATCHABLE 1
#endif

/* The timer's ident (EVFILT_TIMER idents are not fds). */
#define TIMER_IDENT 1

/* One fd's interest. The file's identity is kept because kqueue forgets
 * a knote when its fd is closed (libkqueue does not even do that: see
 * its BUGS.md) while the caller may still believe it is watched: a reused
 * fd number must look new, as it does to epoll. */
struct el_interest {
  uint32_t events; /* EL_READ | EL_WRITE | EL_PRI | EL_EDGE asked for */
  int watched;
  dev_t dev;
  ino_t ino;
};

/* The filters a caller's interest maps to, one per bit. */
static const struct {
  uint32_t bit;
  int16_t filter;
  uint32_t fflags;
} filters[] = {
    {EL_READ, EVFILT_READ, 0},
    {EL_WRITE, EVFILT_WRITE, 0},
    {EL_PRI, PRI_FILTER, PRI_FFLAGS},
};
#define NFILTERS (sizeof(filters) / sizeof(filters[0]))

struct el_backend {
  /* The caller's interest per fd, which kqueue cannot be asked for;
   * guarded by interest_mu (el_fd_close may run on any thread). */
  struct el_interest *interest;
  int interest_len;
  pthread_mutex_t interest_mu;
  /* The timer change backend_timer prepared: it rides in the next
   * kevent() call, so arming costs no system call of its own. */
  struct kevent timer_change;
  int timer_changes;
};

static uint32_t filter_to_bit(int16_t filter) {
  size_t i;
  for (i = 0; i < NFILTERS; i++)
    if (filters[i].filter != 0 && filters[i].filter == filter)
      return filters[i].bit;
  return 0;
}

/* Writes the changes that turn interest `from` into `to` for fd into ch;
 * returns how many. Bits without a filter here (EL_PRI on FreeBSD and
 * libkqueue) make no change. */
static int interest_changes(int fd, uint32_t from, uint32_t to,
                            uint16_t extra, struct kevent *ch) {
  size_t i;
  int n = 0;
  /* EL_EDGE is EV_CLEAR on each filter: a change of it adds again every
   * filter the new interest keeps. */
  uint32_t edge_changed = (from ^ to) & EL_EDGE;
  uint16_t clear = (to & EL_EDGE) ? EV_CLEAR : 0;
  for (i = 0; i < NFILTERS; i++) {
    uint32_t bit = filters[i].bit;
    if (filters[i].filter == 0 ||
        ((from & bit) == (to & bit) && !(edge_changed && (to & bit))))
      continue;
    EV_SET(&ch[n], fd, filters[i].filter,
           ((to & bit) ? EV_ADD | clear : EV_DELETE) | extra,
           filters[i].fflags, 0, 0);
    n++;
  }
  return n;
}

/* Drops every knote of `events` on fd, ignoring failures (the fd may be
 * closed already). One call per change: with no room for receipts,
 * kevent(2) stops at the first change that fails. */
static void drop_knotes(int kq, int fd, uint32_t events) {
  struct kevent ch[NFILTERS];
  int i, n = interest_changes(fd, events, 0, 0, ch);
  for (i = 0; i < n; i++)
    kevent(kq, &ch[i], 1, NULL, 0, NULL);
}

/* The entry for fd, growing the table when `grow`; NULL if out of range or
 * out of memory. Called with interest_mu held. */
static struct el_interest *entry(struct el_backend *be, int fd, int grow) {
  struct el_interest *t;

  if (fd < 0)
    return NULL;
  if (fd < be->interest_len)
    return &be->interest[fd];
  if (!grow)
    return NULL;
  t = table_grow(be->interest, &be->interest_len, sizeof(*t), fd);
  if (t == NULL)
    return NULL;
  be->interest = t;
  return &t[fd];
}

/* Socket errors the poller took, per fd. libkqueue reads SO_ERROR to fill
 * in fflags when epoll says EPOLLERR (src/linux/read.c, write.c), which
 * clears it: a refused connect would then look fine to el_sock_error. So
 * the shim takes the error itself on every platform once a kevent
 * carries one, and hands it to el_sock_error (fd.c) later. */
static pthread_mutex_t taken_mu = PTHREAD_MUTEX_INITIALIZER;
static int *taken_errors;
static int taken_len;

static void set_taken_error(int fd, int err) {
  pthread_mutex_lock(&taken_mu);
  if (fd >= taken_len && err != 0) {
    int *t = table_grow(taken_errors, &taken_len, sizeof(*t), fd);
    if (t != NULL)
      taken_errors = t;
  }
  if (fd >= 0 && fd < taken_len)
    taken_errors[fd] = err;
  pthread_mutex_unlock(&taken_mu);
}

int backend_take_sock_error(int fd) {
  int err = 0;
  pthread_mutex_lock(&taken_mu);
  if (fd >= 0 && fd < taken_len) {
    err = taken_errors[fd];
    taken_errors[fd] = 0;
  }
  pthread_mutex_unlock(&taken_mu);
  return err;
}

/* A kevent said EV_EOF with an error in fflags: keep the socket's error.
 * A native kqueue leaves it in the socket (taken here, so every platform
 * behaves alike); libkqueue has taken it already, and fflags holds it.
 * Not a socket: fflags is libkqueue's EIO for EPOLLERR, nothing to keep. */
static void keep_sock_error(int fd, uint32_t fflags) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
    return;
  set_taken_error(fd, err != 0 ? err : (int)fflags);
}

/* Whether the entry still names the file open as fd. */
static int same_file(const struct el_interest *e, const struct stat *st) {
  return e->dev == st->st_dev && e->ino == st->st_ino;
}

int backend_open(struct el_loop *loop) {
  struct el_backend *be;
  struct kevent ch;
  int fds[2], err;

  be = calloc(1, sizeof(*be));
  if (be == NULL)
    return -ENOMEM;
  pthread_mutex_init(&be->interest_mu, NULL);
  loop->backend = be;
  loop->backend_fd = kqueue();
  if (loop->backend_fd == -1)
    return -errno;
  if (fcntl(loop->backend_fd, F_SETFD, FD_CLOEXEC) == -1)
    return -errno;
  /* The wake is a self-pipe, not EVFILT_USER: a wake must be
   * async-signal-safe (signals reach the loop through it) and write(2) is
   * on POSIX's list, kevent(2) is not. Under libkqueue a NOTE_TRIGGER is
   * a kevent() call that takes pthread mutexes (src/common/kevent.c), so a
   * signal landing in a thread inside kevent() would deadlock. One path
   * for every platform, so the one tested on Linux is the one shipped. */
  if ((err = sock_pipe(fds)) < 0)
    return err;
  loop->wake_fd = fds[0];
  loop->wake_write_fd = fds[1];
  EV_SET(&ch, loop->wake_fd, EVFILT_READ, EV_ADD, 0, 0, 0);
  if (kevent(loop->backend_fd, &ch, 1, NULL, 0, NULL) == -1)
    return -errno;
  return 0;
}

void backend_close(struct el_loop *loop) {
  struct el_backend *be = loop->backend;

  if (loop->wake_write_fd != -1)
    close(loop->wake_write_fd);
  if (loop->wake_fd != -1)
    close(loop->wake_fd);
  /* Closing a kqueue drops its knotes (libkqueue: on its monitoring
   * thread, waited for by finish_close). */
  if (loop->backend_fd != -1) {
    close(loop->backend_fd);
    finish_close();
  }
  loop->wake_write_fd = loop->wake_fd = loop->backend_fd = -1;
  if (be != NULL) {
    free(be->interest);
    pthread_mutex_destroy(&be->interest_mu);
    free(be);
    loop->backend = NULL;
  }
}

/* Drops fd's knotes and forgets its interest. interest_mu held. */
static void unwatch(struct el_loop *loop, struct el_interest *e, int fd) {
  drop_knotes(loop->backend_fd, fd, e->events);
  e->watched = 0;
  e->events = 0;
}

void backend_forget_fd(struct el_loop *loop, int fd) {
  struct el_backend *be = loop->backend;
  struct el_interest *e;

  pthread_mutex_lock(&be->interest_mu);
  e = entry(be, fd, 0);
  if (e != NULL && e->watched)
    unwatch(loop, e, fd);
  pthread_mutex_unlock(&be->interest_mu);
  set_taken_error(fd, 0);
}

/* Prepares the change that arms the one-shot timer at timeout_ms from the
 * kevent() call it rides in, rounded up: a timeout may end late, never
 * early (mio: truncation turns sub-ms timeouts into busy loops; libev:
 * timers never fire early). EV_ADD on an armed timer restarts it
 * (kevent(2) on macOS and FreeBSD >= 12; libkqueue re-arms its timerfd).
 * Disarming is a call of its own. */
int backend_timer(struct el_loop *loop, double timeout_ms) {
  struct el_backend *be = loop->backend;
  struct kevent del;
  double units;

  if (timeout_ms > 0) {
    units = ceil(timeout_ms * TIMER_PER_MS);
    /* Capped (about 53 days in ns on 64-bit): a wait that ends before a
     * huge timeout only makes the caller wait again. */
    if (units > (double)(INTPTR_MAX / 2))
      units = (double)(INTPTR_MAX / 2);
    EV_SET(&be->timer_change, TIMER_IDENT, EVFILT_TIMER, EV_ADD | EV_ONESHOT,
           TIMER_UNIT, (intptr_t)units, 0);
    be->timer_changes = 1;
    loop->timer_armed = 1;
    return 0;
  }
  /* ENOENT: it fired and was read. */
  be->timer_changes = 0;
  EV_SET(&del, TIMER_IDENT, EVFILT_TIMER, EV_DELETE, 0, 0, 0);
  if (kevent(loop->backend_fd, &del, 1, NULL, 0, NULL) == -1 &&
      errno != ENOENT)
    return -errno;
  loop->timer_armed = 0;
  return 0;
}

/* kevent() carrying the prepared timer change, if any. */
static int kevent_with_timer(struct el_loop *loop, struct kevent *events,
                             int max, const struct timespec *timeout) {
  struct el_backend *be = loop->backend;
  int nch = be->timer_changes;

  be->timer_changes = 0;
  return kevent(loop->backend_fd, &be->timer_change, nch, events, max,
                timeout);
}

/* The timer's kevent: ends its armed state; an error is the wait's. */
static int timer_fired(struct el_loop *loop, const struct kevent *kev) {
  if (kev->flags & EV_ERROR)
    return -(int)kev->data;
  loop->timer_armed = 0;
  return 0;
}

static int is_timer(const struct kevent *kev) {
  return kev->filter == EVFILT_TIMER && kev->ident == TIMER_IDENT;
}

static const struct timespec zero_timeout = {0, 0};

int backend_block(struct el_loop *loop) {
  struct kevent ev;
  int n;

  /* A kqueue fd is pollable on macOS and the BSDs, but libkqueue's is the
   * write end of a pipe (src/linux/platform.c: the close detector), which
   * poll(2) never reports readable. So the waiter asks kevent() for one
   * event instead: every knote but the timer is level-triggered and is
   * reported again to the loop's own el_poller_wait, and the wake pipe is
   * drained only there. Reading the timer here is what ending the block
   * means. */
  n = kevent_with_timer(loop, &ev, 1, NULL);
  if (n == -1)
    return -errno;
  return n == 1 && is_timer(&ev) ? timer_fired(loop, &ev) : 0;
}

/* A kqueue fd is readable while kevent() would report an event (kqueue(2):
 * it can be watched by select, poll and kqueue). The timer change armed
 * for the next kevent() call is applied now: no such call will come
 * before the watcher's. */
int backend_watch(struct el_loop *loop) {
  struct el_backend *be = loop->backend;

  if (!POLLER_WATCHABLE)
    return -ENOTSUP;
  if (be->timer_changes &&
      kevent(loop->backend_fd, &be->timer_change, 1, NULL, 0, NULL) == -1)
    return -errno;
  be->timer_changes = 0;
  return loop->backend_fd;
}

/* kqueue's wake pipe and the kqueue itself are loop.c's to check. */
int backend_owns_fd(struct el_loop *loop, int fd) {
  (void)loop;
  (void)fd;
  return 0;
}

int backend_ctl(struct el_loop *loop, int op, int fd, uint32_t events) {
  struct el_backend *be = loop->backend;
  struct kevent ch[2 * NFILTERS], rc[2 * NFILTERS];
  struct el_interest *e;
  struct stat st;
  uint32_t from;
  int i, n, r = 0;

  if (fstat(fd, &st) == -1) {
    r = -errno;
    /* kqueue(2): "Calling close() on a file descriptor will remove any
     * kevents that reference the descriptor"; a DEL still forgets it, as
     * epoll's backend does, and reports the error. */
    if (op == EL_CTL_DEL) {
      pthread_mutex_lock(&be->interest_mu);
      e = entry(be, fd, 0);
      if (e != NULL && e->watched)
        unwatch(loop, e, fd);
      pthread_mutex_unlock(&be->interest_mu);
    }
    return op == EL_CTL_CHECK ? 0 : r;
  }
  /* epoll_ctl(2): "EPERM The target file fd does not support epoll. This
   * error can occur if fd refers to, for example, a regular file or a
   * directory." kqueue accepts regular files (always readable); refuse
   * them the same way, so the caller sees one error on every OS. */
  if (op != EL_CTL_CHECK && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
    return -EPERM;
  pthread_mutex_lock(&be->interest_mu);
  e = entry(be, fd, op == EL_CTL_ADD);
  if (e == NULL) {
    r = op == EL_CTL_ADD ? -ENOMEM : op == EL_CTL_CHECK ? 0 : -ENOENT;
    goto out;
  }
  if (op == EL_CTL_CHECK) {
    r = e->watched && same_file(e, &st);
    goto out;
  }
  /* Closed without DEL and the number reused: the old knotes (kept by
   * libkqueue, gone on a native kqueue) are dropped, as epoll drops an
   * entry when its file closes. */
  if (e->watched && !same_file(e, &st))
    unwatch(loop, e, fd);
  if (op == EL_CTL_ADD && e->watched) {
    r = -EEXIST;
    goto out;
  }
  if (op != EL_CTL_ADD && !e->watched) {
    r = -ENOENT;
    goto out;
  }
  from = e->events;
  if (op == EL_CTL_DEL)
    events = 0;
  /* EV_RECEIPT: every change is applied and answered on its own, so a
   * failure part-way can be undone instead of leaving half an interest. */
  n = interest_changes(fd, from, events, EV_RECEIPT, ch);
  if (n > 0) {
    int got = kevent(loop->backend_fd, ch, n, rc, n, NULL);
    if (got == -1) {
      r = -errno;
    } else {
      for (i = 0; i < got; i++)
        if ((rc[i].flags & EV_ERROR) && rc[i].data != 0 &&
            !(op == EL_CTL_DEL && rc[i].data == ENOENT)) {
          r = -(int)rc[i].data;
          break;
        }
    }
    if (r < 0) {
      /* Back to the interest the caller had. */
      struct kevent undo[NFILTERS];
      int k, m = interest_changes(fd, events, from, 0, undo);
      for (k = 0; k < m; k++)
        kevent(loop->backend_fd, &undo[k], 1, NULL, 0, NULL);
      goto out;
    }
  }
  if (op == EL_CTL_ADD)
    set_taken_error(fd, 0); /* a new socket on a reused number */
  e->events = events;
  e->watched = op != EL_CTL_DEL;
  e->dev = st.st_dev;
  e->ino = st.st_ino;

out:
  pthread_mutex_unlock(&be->interest_mu);
  return r;
}

/* The bits one kevent contributes to its fd's pair. */
static int32_t kevent_to_events(const struct kevent *kev) {
  int32_t events = (int32_t)filter_to_bit(kev->filter);
  /* A change that failed (only registrations do). */
  if (kev->flags & EV_ERROR)
    events |= EL_ERR;
  /* kqueue(2), EVFILT_READ: "If the read direction of the socket has
   * shutdown, then the filter also sets EV_EOF in flags, and returns the
   * socket error (if any) in fflags." */
  if ((kev->flags & EV_EOF) && kev->fflags != 0)
    events |= EL_ERR;
  return events;
}

/* kqueue's EV_EOF is per filter and per direction: the read side of a
 * socket ends on the peer's shutdown(SHUT_WR), when epoll reports only
 * EPOLLIN (EPOLLRDHUP is not asked for). epoll's EPOLLHUP means both
 * directions are closed and EPOLLERR an error, which is what poll(2)
 * reports as POLLHUP and POLLERR on Linux and FreeBSD (on macOS, its own
 * poll(2) semantics). So after an EV_EOF the fd's bits come from poll(2),
 * masked by the interest; a failing poll keeps kqueue's bits. libkqueue
 * also sets EV_EOF on a stream socket whose EPOLLIN came with nothing to
 * read (an urgent byte before in-band data): poll(2) tells those apart. */
static int32_t eof_to_events(int fd, uint32_t interest, int32_t events) {
  struct pollfd pfd;
  int32_t out = events & (EL_ERR | EL_PRI);

  pfd.fd = fd;
  pfd.events = POLLIN | POLLOUT | POLLPRI;
  pfd.revents = 0;
  if (poll(&pfd, 1, 0) != 1 || (pfd.revents & POLLNVAL))
    return events | EL_HUP;
  if ((pfd.revents & POLLIN) && (interest & EL_READ))
    out |= EL_READ;
  if ((pfd.revents & POLLPRI) && (interest & EL_PRI))
    out |= EL_PRI;
  if ((pfd.revents & POLLOUT) && (interest & EL_WRITE))
    out |= EL_WRITE;
  if (pfd.revents & POLLERR)
    out |= EL_ERR;
  if (pfd.revents & POLLHUP)
    out |= EL_HUP;
  return out;
}

/* The pair index of fd among the first `count` pairs, or -1. */
static int find_pair(const int32_t *out, int count, int fd) {
  int i;
  for (i = count - 1; i >= 0; i--)
    if (out[2 * i] == fd)
      return i;
  return -1;
}

int backend_wait(struct el_loop *loop, int32_t *out, int max, int block,
                 int *woke) {
  struct el_backend *be = loop->backend;
  struct kevent events[EL_MAX_EVENTS];
  uint8_t eof[EL_MAX_EVENTS];
  int n, i, count = 0, err = 0;

  /* The timer change rides in the wait itself: one system call. */
  n = kevent_with_timer(loop, events, max, block ? NULL : &zero_timeout);
  if (n == -1)
    return -errno;
  pthread_mutex_lock(&be->interest_mu);
  for (i = 0; i < n; i++) {
    const struct kevent *kev = &events[i];
    struct el_interest *e;
    int fd = (int)kev->ident, k;

    if (is_timer(kev)) {
      if ((err = timer_fired(loop, kev)) < 0)
        break;
      continue;
    }
    if (kev->filter == EVFILT_READ && fd == loop->wake_fd) {
      *woke = 1;
      continue;
    }
    e = entry(be, fd, 0);
    if (e == NULL || !e->watched ||
        (e->events & filter_to_bit(kev->filter)) == 0) {
      /* A knote the caller no longer has (libkqueue keeps those of fds
       * closed without DEL): epoll would not report it, so drop it. */
      struct kevent del;
      EV_SET(&del, fd, kev->filter, EV_DELETE, 0, 0, 0);
      kevent(loop->backend_fd, &del, 1, NULL, 0, NULL);
      continue;
    }
    k = find_pair(out, count, fd);
    if (k < 0) {
      k = count++;
      out[2 * k] = fd;
      out[2 * k + 1] = 0;
      eof[k] = 0;
    }
    out[2 * k + 1] |= kevent_to_events(kev);
    if (kev->flags & EV_EOF)
      eof[k] = 1;
    if ((kev->flags & EV_EOF) && kev->fflags != 0)
      keep_sock_error(fd, kev->fflags);
  }
  for (i = 0; err == 0 && i < count; i++) {
    struct el_interest *e;
    struct stat st;
    int fd = out[2 * i];

    if (!eof[i])
      continue;
    e = entry(be, fd, 0);
    if (fstat(fd, &st) == -1 || !same_file(e, &st)) {
      /* The fd was closed (and maybe reused) without DEL: a stale knote
       * that would report EV_EOF for ever under libkqueue. */
      unwatch(loop, e, fd);
      out[2 * i + 1] = 0;
      continue;
    }
    out[2 * i + 1] = eof_to_events(fd, e->events, out[2 * i + 1]);
  }
  pthread_mutex_unlock(&be->interest_mu);
  if (err < 0)
    return err;
  /* Pairs left empty above are squeezed out. */
  for (i = 0, n = 0; i < count; i++)
    if (out[2 * i + 1] != 0) {
      out[2 * n] = out[2 * i];
      out[2 * n + 1] = out[2 * i + 1];
      n++;
    }
  return n;
}
