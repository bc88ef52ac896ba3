/* echo_server.c: the limit for the echo cases. An epoll echo server on
 * 127.0.0.1 (level-triggered, TCP_NODELAY), the shape evloop's echo server
 * has. With THREADS > 1 (the cores case), each thread has its own epoll
 * and its own SO_REUSEPORT listener on the one port, as evloop's Workers
 * each have their own loop and listener.
 * Usage: echo_server [THREADS]; prints {"port": N} and serves until killed. */
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "common.h"

#define MAX_THREADS 64

static void *serve(void *arg) {
  int lfd = (int)(intptr_t)arg;
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev, evs[256];
  static __thread char buf[65536];

  if (epfd == -1)
    die("epoll_create1");
  fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
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
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1, port = 0;
  int lfds[MAX_THREADS];
  pthread_t tids[MAX_THREADS];

  if (threads < 1 || threads > MAX_THREADS) {
    fprintf(stderr, "usage: echo_server [THREADS (1..%d)]\n", MAX_THREADS);
    return 2;
  }
  raise_nofile();
  /* Every listener is bound before the port is printed: no connection can
   * arrive before all of them share it. */
  for (int i = 0; i < threads; i++)
    lfds[i] = listen_local_opt(&port, threads > 1);
  printf("{\"port\":%d}\n", port);
  fflush(stdout);
  for (int i = 1; i < threads; i++)
    if (pthread_create(&tids[i], NULL, serve, (void *)(intptr_t)lfds[i]) != 0)
      die("pthread_create");
  serve((void *)(intptr_t)lfds[0]);
  return 0;
}
