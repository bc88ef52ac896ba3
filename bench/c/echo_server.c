/* echo_server.c: the limit for the echo case. A single-threaded epoll
 * echo server on 127.0.0.1 (level-triggered, TCP_NODELAY), the shape
 * evloop's echo server has. Usage: echo_server; prints {"port": N} and
 * serves until killed. */
#include <sys/epoll.h>

#include "common.h"

int main(void) {
  int port = 0, lfd = listen_local(&port);
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev, evs[256];
  char buf[65536];

  if (epfd == -1)
    die("epoll_create1");
  fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
  printf("{\"port\":%d}\n", port);
  fflush(stdout);
  for (;;) {
    int k = epoll_wait(epfd, evs, 256, -1);
    for (int i = 0; i < k; i++) {
      int fd = evs[i].data.fd;
      if (fd == lfd) {
        int c;
        while ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
          set_nodelay_nonblock(c);
          ev.events = EPOLLIN;
          ev.data.fd = c;
          epoll_ctl(epfd, EPOLL_CTL_ADD, c, &ev);
        }
        continue;
      }
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) {
        if (n == -1 && errno == EAGAIN)
          continue;
        close(fd);
        continue;
      }
      /* Echo loads are tiny: a short write never happens in practice, and
       * a blocking retry keeps the limit simple if it does. */
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(fd, buf + off, (size_t)(n - off));
        if (w == -1 && errno != EAGAIN)
          break;
        if (w > 0)
          off += w;
      }
    }
  }
}
