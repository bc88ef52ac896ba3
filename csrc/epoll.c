/* epoll.c: the Linux poller (epoll, with timerfd for sub-ms timeouts and an
 * eventfd for wake-ups). kqueue.c defines the same functions. */
#include <errno.h>
#include <math.h>
#include <poll.h>
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
  int err;

  loop->backend_fd = epoll_create1(EPOLL_CLOEXEC);
  if (loop->backend_fd == -1)
    return -errno;
  loop->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (loop->wake_fd == -1)
    goto fail;
  loop->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (loop->timer_fd == -1)
    goto fail;
  if (add_internal(loop->backend_fd, loop->wake_fd, TAG_WAKE) == -1)
    goto fail;
  if (add_internal(loop->backend_fd, loop->timer_fd, TAG_TIMER) == -1)
    goto fail;
  return 0;

fail:
  err = -errno;
  backend_close(loop);
  return err;
}

void backend_close(struct el_loop *loop) {
  if (loop->timer_fd != -1)
    close(loop->timer_fd);
  if (loop->wake_fd != -1)
    close(loop->wake_fd);
  if (loop->backend_fd != -1)
    close(loop->backend_fd);
  loop->timer_fd = loop->wake_fd = loop->backend_fd = -1;
}

int backend_wake(struct el_loop *loop) {
  uint64_t one = 1;
  /* EAGAIN: the counter is full, so the loop is already signalled. */
  if (write(loop->wake_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
    return -errno;
  return 0;
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
static int arm_timer(struct el_loop *loop, double timeout_ms) {
  struct itimerspec its = {{0, 0}, {0, 0}};
  struct timespec now;
  double ns;

  if (timeout_ms > 0) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    ns = ceil(timeout_ms * 1e6) + (double)now.tv_nsec;
    its.it_value.tv_sec = now.tv_sec + (time_t)(ns / 1e9);
    its.it_value.tv_nsec = (long)fmod(ns, 1e9);
  } else if (!loop->timer_armed) {
    return 0;
  }
  if (timerfd_settime(loop->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
    return -errno;
  loop->timer_armed = timeout_ms > 0;
  return 0;
}

int backend_block(struct el_loop *loop, double timeout_ms) {
  struct pollfd pfd;
  int err;

  if (timeout_ms == 0)
    return 0;
  err = arm_timer(loop, timeout_ms);
  if (err < 0)
    return err;
  pfd.fd = loop->backend_fd;
  pfd.events = POLLIN;
  if (poll(&pfd, 1, -1) == -1)
    return -errno;
  return 0;
}

int32_t el_poller_ctl(int32_t id, int32_t op, int32_t fd, uint32_t events) {
  struct el_loop *loop = loop_acquire(id);
  struct epoll_event ev;
  int eop, r;

  if (loop == NULL)
    return -ESTALE;
  switch (op) {
  case EL_CTL_ADD:
    eop = EPOLL_CTL_ADD;
    break;
  case EL_CTL_MOD:
    eop = EPOLL_CTL_MOD;
    break;
  case EL_CTL_DEL:
    eop = EPOLL_CTL_DEL;
    break;
  default:
    loop_release(loop);
    return -EINVAL;
  }
  ev.events = interests_to_epoll(events);
  ev.data.u64 = 0;
  ev.data.fd = fd;
  r = epoll_ctl(loop->backend_fd, eop, fd, &ev);
  loop_release(loop);
  return r == -1 ? -errno : 0;
}

int32_t el_poller_wait(int32_t id, int32_t *out, int32_t max,
                       double timeout_ms) {
  struct el_loop *loop;
  struct epoll_event events[256];
  uint64_t drained;
  int n, i, count = 0, woke = 0;

  /* One pair is kept for the wake pseudo-event. */
  if (max < 2)
    return -EINVAL;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  timeout_ms = timeout_or_never(timeout_ms);
  if (max > 256)
    max = 256;
  /* A positive timeout arms the timerfd; blocking for ever disarms a timer
   * left from an earlier wait, which would otherwise wake us for nothing. */
  if (timeout_ms != 0) {
    n = arm_timer(loop, timeout_ms);
    if (n < 0) {
      loop_release(loop);
      return n;
    }
  }
  n = epoll_wait(loop->backend_fd, events, max - 1,
                 timeout_ms == 0 ? 0 : -1);
  if (n == -1) {
    n = -errno;
    loop_release(loop);
    return n;
  }
  for (i = 0; i < n; i++) {
    int fd = events[i].data.fd;
    if (fd == TAG_WAKE) {
      /* Read the eventfd, then clear the flag. The other order loses
       * wakes: a waker that sets the flag and writes between the clear
       * and the read has its write consumed here, leaving the flag set
       * with an empty counter, so every later waker skips its write and
       * the loop sleeps through them. In this order a waker that finds
       * the flag still set is covered by the caller's work after this
       * returns (it drains what was queued before the flag was seen). */
      if (read(loop->wake_fd, &drained, sizeof(drained)) == -1) {
        /* EAGAIN: drained by an earlier pass already. */
      }
      atomic_store(&loop->wake_pending, 0);
      woke = 1;
    } else if (fd == TAG_TIMER) {
      if (read(loop->timer_fd, &drained, sizeof(drained)) == -1) {
        /* EAGAIN: re-armed since it fired. */
      }
      loop->timer_armed = 0;
    } else {
      out[2 * count] = fd;
      out[2 * count + 1] = epoll_to_events(events[i].events);
      count++;
    }
  }
  if (woke) {
    out[2 * count] = -1;
    out[2 * count + 1] = (int32_t)loop_take_wake_bits(loop);
    count++;
  }
  loop_release(loop);
  return count;
}
