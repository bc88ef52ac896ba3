/* epoll.c: the Linux poller (epoll, with timerfd for sub-ms timeouts and an
 * eventfd for wake-ups): the backend_* functions of internal.h, as
 * kqueue.c defines them for kqueue. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Internal fds are told apart from user fds by their epoll data: user fds
 * carry their fd number (>= 0), internal ones a negative tag. */
#define TAG_WAKE (-1)
#define TAG_TIMER (-2)

/* The caller's registration of one fd, indexed by fd.
 *
 * epoll keys an entry on the open file and the fd number it was added
 * under; closing that number drops the entry only when no other fd (a
 * dup, a forked child's copy) keeps the file open. Such an entry lives on
 * with no fd to delete it by, and keeps reporting under the old number,
 * maybe to another file's watcher, as often as it is ready. Each
 * registration therefore gets a generation, carried in the high half of
 * the epoll data; an event whose generation is not the registration's
 * comes from such an orphan, and the epoll set is rebuilt without it
 * (libev's egen and "recreate kernel state" do the same). */
struct el_interest {
  uint32_t events; /* EL_READ | EL_WRITE | EL_PRI | EL_EDGE asked for */
  uint32_t gen;    /* 0: not registered */
};

struct el_backend {
  int timer_fd;
  /* Guarded by interest_mu: el_fd_close may run on any thread. */
  struct el_interest *interest;
  int interest_len;
  uint32_t next_gen;
  pthread_mutex_t interest_mu;
};

static uint64_t user_data(int fd, uint32_t gen) {
  return (uint64_t)gen << 32 | (uint32_t)fd;
}

/* The entry for fd, grown to fit when `grow`; NULL when out of range or
 * out of memory. Called with interest_mu held. */
static struct el_interest *entry(struct el_backend *be, int fd, int grow) {
  struct el_interest *t;

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


/* The interest bits of the ABI are epoll's own; only the three a caller
 * may ask for pass (EPOLLERR and EPOLLHUP are always reported), and
 * EL_EDGE, evloop's own bit, turns into EPOLLET. */
static uint32_t interests_to_epoll(uint32_t events) {
  uint32_t ev = 0;
  if (events & EL_READ)
    ev |= EPOLLIN;
  if (events & EL_PRI)
    ev |= EPOLLPRI;
  if (events & EL_WRITE)
    ev |= EPOLLOUT;
  if (events & EL_EDGE)
    ev |= EPOLLET;
  return ev;
}

static int32_t epoll_to_events(uint32_t ev) {
  int32_t events = 0;
  if (ev & EPOLLIN)
    events |= EL_READ;
  if (ev & EPOLLPRI)
    events |= EL_PRI;
  if (ev & EPOLLOUT)
    events |= EL_WRITE;
  if (ev & EPOLLERR)
    events |= EL_ERR;
  /* EPOLLRDHUP is not asked for; a full hang-up is EPOLLHUP. */
  if (ev & EPOLLHUP)
    events |= EL_HUP;
  return events;
}

static int add_internal(int epfd, int fd, int tag) {
  struct epoll_event ev;
  ev.events = EPOLLIN;
  ev.data.u64 = user_data(tag, 0);
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int backend_open(struct el_loop *loop) {
  struct el_backend *be;

  be = malloc(sizeof(*be));
  if (be == NULL)
    return -ENOMEM;
  be->timer_fd = -1;
  be->interest = NULL;
  be->interest_len = 0;
  be->next_gen = 1;
  pthread_mutex_init(&be->interest_mu, NULL);
  loop->backend = be;
  loop->backend_fd = epoll_create1(EPOLL_CLOEXEC);
  if (loop->backend_fd == -1)
    return -errno;
  loop->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (loop->wake_fd == -1)
    return -errno;
  loop->wake_write_fd = loop->wake_fd;
  be->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (be->timer_fd == -1)
    return -errno;
  if (add_internal(loop->backend_fd, loop->wake_fd, TAG_WAKE) == -1)
    return -errno;
  if (add_internal(loop->backend_fd, be->timer_fd, TAG_TIMER) == -1)
    return -errno;
  return 0;
}

void backend_close(struct el_loop *loop) {
  if (loop->backend != NULL && loop->backend->timer_fd != -1)
    close(loop->backend->timer_fd);
  if (loop->wake_fd != -1)
    close(loop->wake_fd);
  if (loop->backend_fd != -1)
    close(loop->backend_fd);
  loop->wake_write_fd = loop->wake_fd = loop->backend_fd = -1;
  if (loop->backend != NULL) {
    free(loop->backend->interest);
    pthread_mutex_destroy(&loop->backend->interest_mu);
  }
  free(loop->backend);
  loop->backend = NULL;
}

int backend_owns_fd(struct el_loop *loop, int fd) {
  return loop->backend != NULL && fd == loop->backend->timer_fd;
}

void backend_forget_fd(struct el_loop *loop, int fd) {
  struct el_backend *be = loop->backend;
  struct el_interest *e;

  pthread_mutex_lock(&be->interest_mu);
  e = entry(be, fd, 0);
  if (e != NULL && e->gen != 0) {
    epoll_ctl(loop->backend_fd, EPOLL_CTL_DEL, fd, NULL);
    e->gen = 0;
  }
  pthread_mutex_unlock(&be->interest_mu);
}

/* epoll never reads SO_ERROR: el_sock_error finds it in the socket. */
int backend_take_sock_error(int fd) {
  (void)fd;
  return 0;
}

/* Arms the timerfd at now + timeout_ms, rounded up to the nanosecond: a
 * timeout may end late, never early (mio: truncation turns sub-ms timeouts
 * into busy loops; libev: timers never fire early). */
int backend_timer(struct el_loop *loop, double timeout_ms) {
  struct itimerspec its = {{0, 0}, {0, 0}};
  struct timespec now;
  double ns;

  if (timeout_ms > 0) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    ns = ceil(timeout_ms * 1e6) + (double)now.tv_nsec;
    its.it_value.tv_sec = now.tv_sec + (time_t)(ns / 1e9);
    its.it_value.tv_nsec = (long)fmod(ns, 1e9);
  }
  if (timerfd_settime(loop->backend->timer_fd, TFD_TIMER_ABSTIME, &its,
                      NULL) == -1)
    return -errno;
  loop->timer_armed = timeout_ms > 0;
  return 0;
}

int backend_block(struct el_loop *loop) {
  struct pollfd pfd;

  pfd.fd = loop->backend_fd;
  pfd.events = POLLIN;
  return poll(&pfd, 1, -1) == -1 ? -errno : 0;
}

/* An epoll fd is readable while epoll_wait would report an event
 * (epoll(7), "Q3"), the timerfd's and the eventfd's included. */
int backend_watch(struct el_loop *loop) { return loop->backend_fd; }

static int register_fd(int epfd, int op, int fd, const struct el_interest *e) {
  struct epoll_event ev;
  ev.events = interests_to_epoll(e->events);
  ev.data.u64 = user_data(fd, e->gen);
  return epoll_ctl(epfd, op, fd, &ev) == -1 ? -errno : 0;
}

/* A new generation for fd's registration. */
static void renew(struct el_backend *be, struct el_interest *e) {
  e->gen = be->next_gen++;
  if (be->next_gen == 0)
    be->next_gen = 1;
}

int backend_ctl(struct el_loop *loop, int op, int fd, uint32_t events) {
  struct el_backend *be = loop->backend;
  struct el_interest *e, was;
  int r = 0;

  pthread_mutex_lock(&be->interest_mu);
  e = entry(be, fd, op == EL_CTL_ADD || op == EL_CTL_MOD);
  if (e == NULL) {
    r = op == EL_CTL_ADD || op == EL_CTL_MOD ? -ENOMEM
        : op == EL_CTL_DEL                   ? -ENOENT
                                             : 0;
    goto out;
  }
  was = *e;
  switch (op) {
  case EL_CTL_CHECK:
    /* A MOD to the same state is a probe: the kernel looks the entry up
     * by the file now open under fd, so a closed or reused number fails. */
    r = e->gen != 0 &&
        register_fd(loop->backend_fd, EPOLL_CTL_MOD, fd, e) == 0;
    break;
  case EL_CTL_DEL:
    /* Forgotten whatever the kernel says: a failure means the fd was
     * closed first, and the caller hears of it. */
    e->gen = 0;
    if (epoll_ctl(loop->backend_fd, EPOLL_CTL_DEL, fd, NULL) == -1)
      r = -errno;
    break;
  case EL_CTL_ADD:
    e->events = events;
    renew(be, e);
    r = register_fd(loop->backend_fd, EPOLL_CTL_ADD, fd, e);
    break;
  default: /* EL_CTL_MOD */
    e->events = events;
    /* After an ADD's EEXIST, the kernel's entry takes a generation. */
    if (e->gen == 0)
      renew(be, e);
    r = register_fd(loop->backend_fd, EPOLL_CTL_MOD, fd, e);
    break;
  }
  if (r < 0 && op != EL_CTL_DEL)
    *e = was;

out:
  pthread_mutex_unlock(&be->interest_mu);
  return r;
}

/* Replaces the epoll set by a new one holding only this loop's current
 * registrations (an orphan cannot be deleted: its fd is gone). The new
 * set takes the old one's number (dup3), so nothing else changes. Called
 * with interest_mu held, from the wait (nothing blocks on the set). */
static int rebuild(struct el_loop *loop) {
  struct el_backend *be = loop->backend;
  struct el_interest *e;
  int epfd, fd, err;

  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd == -1)
    return -errno;
  if (add_internal(epfd, loop->wake_fd, TAG_WAKE) == -1 ||
      add_internal(epfd, be->timer_fd, TAG_TIMER) == -1)
    goto fail;
  for (fd = 0; fd < be->interest_len; fd++) {
    e = &be->interest[fd];
    /* A number closed behind the loop's back, or now naming another
     * file, stays out: its watcher must not see that file's events. The
     * old set tells: a MOD to the same state finds the entry only if the
     * file now under fd is the one registered (as EL_CTL_CHECK asks). */
    if (e->gen == 0 ||
        register_fd(loop->backend_fd, EPOLL_CTL_MOD, fd, e) != 0)
      continue;
    register_fd(epfd, EPOLL_CTL_ADD, fd, e);
  }
  if (dup3(epfd, loop->backend_fd, O_CLOEXEC) == -1)
    goto fail;
  close(epfd);
  return 0;

fail:
  err = -errno;
  close(epfd);
  return err;
}

int backend_wait(struct el_loop *loop, int32_t *out, int max, int block,
                 int *woke) {
  struct epoll_event events[EL_MAX_EVENTS];
  uint64_t expirations;
  struct el_backend *be = loop->backend;
  struct el_interest *e;
  int n, i, count = 0, orphans = 0;

  n = epoll_wait(loop->backend_fd, events, max, block ? -1 : 0);
  if (n == -1)
    return -errno;
  pthread_mutex_lock(&be->interest_mu);
  for (i = 0; i < n; i++) {
    int fd = (int32_t)(uint32_t)events[i].data.u64;
    uint32_t gen = (uint32_t)(events[i].data.u64 >> 32);
    if (fd == TAG_WAKE) {
      *woke = 1;
    } else if (fd == TAG_TIMER) {
      if (read(loop->backend->timer_fd, &expirations, sizeof(expirations)) ==
          -1) {
        /* EAGAIN: re-armed since it fired. */
      }
      loop->timer_armed = 0;
    } else if ((e = entry(be, fd, 0)) == NULL || e->gen != gen) {
      orphans = 1;
    } else {
      out[2 * count] = fd;
      out[2 * count + 1] = epoll_to_events(events[i].events);
      count++;
    }
  }
  /* Best effort: if the rebuild fails, the orphan is skipped again. */
  if (orphans)
    rebuild(loop);
  pthread_mutex_unlock(&be->interest_mu);
  return count;
}
