/* epoll.c: the Linux poller (epoll, with timerfd for sub-ms timeouts and an
 * eventfd for wake-ups): the backend_* functions of internal.h, as
 * kqueue.c defines them for kqueue. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
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

struct el_backend {
  int timer_fd;
};

/* The interest bits of the ABI are epoll's own; only the three a caller
 * may ask for pass (EPOLLERR and EPOLLHUP are always reported). */
static uint32_t interests_to_epoll(uint32_t events) {
  uint32_t ev = 0;
  if (events & EL_READ)
    ev |= EPOLLIN;
  if (events & EL_PRI)
    ev |= EPOLLPRI;
  if (events & EL_WRITE)
    ev |= EPOLLOUT;
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
  ev.data.u64 = 0;
  ev.data.fd = tag;
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int backend_open(struct el_loop *loop) {
  struct el_backend *be;

  be = malloc(sizeof(*be));
  if (be == NULL)
    return -ENOMEM;
  be->timer_fd = -1;
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
  free(loop->backend);
  loop->backend = NULL;
}

void backend_forget_fd(struct el_loop *loop, int fd) {
  epoll_ctl(loop->backend_fd, EPOLL_CTL_DEL, fd, NULL);
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

int backend_ctl(struct el_loop *loop, int op, int fd, uint32_t events) {
  struct epoll_event ev;
  int eop = op == EL_CTL_ADD   ? EPOLL_CTL_ADD
            : op == EL_CTL_MOD ? EPOLL_CTL_MOD
                               : EPOLL_CTL_DEL;

  ev.events = interests_to_epoll(events);
  ev.data.u64 = 0;
  ev.data.fd = fd;
  return epoll_ctl(loop->backend_fd, eop, fd, &ev) == -1 ? -errno : 0;
}

int backend_wait(struct el_loop *loop, int32_t *out, int max, int block,
                 int *woke) {
  struct epoll_event events[EL_MAX_EVENTS];
  uint64_t expirations;
  int n, i, count = 0;

  n = epoll_wait(loop->backend_fd, events, max, block ? -1 : 0);
  if (n == -1)
    return -errno;
  for (i = 0; i < n; i++) {
    int fd = events[i].data.fd;
    if (fd == TAG_WAKE) {
      *woke = 1;
    } else if (fd == TAG_TIMER) {
      if (read(loop->backend->timer_fd, &expirations, sizeof(expirations)) ==
          -1) {
        /* EAGAIN: re-armed since it fired. */
      }
      loop->timer_armed = 0;
    } else {
      out[2 * count] = fd;
      out[2 * count + 1] = epoll_to_events(events[i].events);
      count++;
    }
  }
  return count;
}
