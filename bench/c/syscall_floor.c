/* syscall_floor.c: what one system call costs on this machine, for the
 * "Where the time goes" notes of docs/benchmarks.md: every evloop figure
 * is some count of these plus the runtime's own work. Each is timed over
 * N calls (best of 5 batches) and printed in ns as one JSON line:
 * - read_eagain: read(2) of an empty non-blocking pipe (EAGAIN);
 * - send_enotsock: send(2) on a pipe (ENOTSOCK), what el_fd_write paid
 *   per pipe write before it remembered the fd kind;
 * - pipe_1byte: write(2) of 1 byte to a pipe then read(2) of it (2 calls);
 * - epoll_wait0: epoll_wait(2) with timeout 0 and nothing ready;
 * - epoll_ctl_mod: epoll_ctl(2) EPOLL_CTL_MOD of a pipe, what streams()
 *   paid per wait and per trim before it armed once, edge-triggered.
 * Usage: bench_syscall_floor [N] */
#include <sys/epoll.h>

#include "common.h"

#define BEST(label, n, body)                                                  \
  do {                                                                        \
    double best = 1e30;                                                       \
    for (int round = 0; round < 5; round++) {                                 \
      double t0 = now_us();                                                   \
      for (long i = 0; i < (n); i++) {                                        \
        body;                                                                 \
      }                                                                       \
      double ns = (now_us() - t0) * 1000.0 / (double)(n);                     \
      if (ns < best)                                                          \
        best = ns;                                                            \
    }                                                                         \
    printf("%s\"%s\": %.1f", first ? "" : ", ", label, best);                 \
    first = 0;                                                                \
  } while (0)

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  int p[2], epfd, first = 1;
  char buf[64];
  struct epoll_event ev, out[4];

  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) == -1)
    die("pipe2");
  if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
    die("epoll_create1");
  ev.events = EPOLLIN;
  ev.data.fd = p[0];
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, p[0], &ev) == -1)
    die("epoll_ctl");
  printf("{");
  BEST("read_eagain", n, if (read(p[0], buf, sizeof(buf)) != -1) die("read"));
  BEST("send_enotsock", n,
       if (send(p[1], buf, 1, MSG_NOSIGNAL) != -1) die("send"));
  BEST("pipe_1byte", n, {
    if (write(p[1], buf, 1) != 1 || read(p[0], buf, 1) != 1)
      die("pipe");
  });
  BEST("epoll_wait0", n, if (epoll_wait(epfd, out, 4, 0) != 0) die("wait"));
  BEST("epoll_ctl_mod", n, {
    ev.events = (i & 1) ? EPOLLIN : EPOLLIN | EPOLLOUT;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, p[0], &ev) == -1)
      die("epoll_ctl");
  });
  printf("}\n");
  return 0;
}
