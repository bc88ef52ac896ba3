/* bulk.c: the limit for the bulk case. BYTES go one way over an AF_UNIX
 * socketpair or a pipe, both ends in this process and one thread: write
 * until EAGAIN, read until EAGAIN, then epoll_wait, as an event loop
 * would do it, with 64 KiB reads and writes.
 * Usage: bulk BYTES [socketpair|pipe]; prints {"mb_per_s": ...}. */
#include <sys/epoll.h>

#include "common.h"

#define CHUNK 65536

static char out[CHUNK], in[CHUNK];

static void transfer(int w, int r, int epfd, long long total) {
  long long sent = 0, got = 0;
  struct epoll_event evs[2], ev;

  ev.events = EPOLLOUT;
  ev.data.fd = w;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, w, &ev) == -1)
    die("epoll_ctl");
  ev.events = EPOLLIN;
  ev.data.fd = r;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, r, &ev) == -1)
    die("epoll_ctl");
  while (got < total) {
    while (sent < total) {
      long long left = total - sent;
      ssize_t n = write(w, out, left < CHUNK ? (size_t)left : CHUNK);
      if (n == -1) {
        if (errno == EAGAIN)
          break;
        die("write");
      }
      sent += n;
    }
    for (;;) {
      ssize_t n = read(r, in, CHUNK);
      if (n == -1) {
        if (errno == EAGAIN)
          break;
        die("read");
      }
      got += n;
    }
    if (got < total && epoll_wait(epfd, evs, 2, -1) == -1 && errno != EINTR)
      die("epoll_wait");
  }
  epoll_ctl(epfd, EPOLL_CTL_DEL, w, NULL);
  epoll_ctl(epfd, EPOLL_CTL_DEL, r, NULL);
}

int main(int argc, char **argv) {
  long long total = argc > 1 ? atoll(argv[1]) : (1LL << 30);
  int sv[2], epfd = epoll_create1(EPOLL_CLOEXEC);
  double t0, t1;

  const char *kind = argc > 2 ? argv[2] : "socketpair";
  int w, r;

  if (epfd == -1)
    die("epoll_create1");
  if (strcmp(kind, "pipe") == 0) {
    if (pipe2(sv, O_NONBLOCK | O_CLOEXEC) == -1)
      die("pipe2");
    r = sv[0];
    w = sv[1];
  } else {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == -1)
      die("socketpair");
    w = sv[0];
    r = sv[1];
  }
  memset(out, 'x', sizeof(out));
  transfer(w, r, epfd, total / 10 + 1); /* warm-up */
  t0 = now_us();
  transfer(w, r, epfd, total);
  t1 = now_us();
  printf("{\"mb_per_s\": %.3f}\n", (double)total / (1 << 20) / ((t1 - t0) / 1e6));
  return 0;
}
