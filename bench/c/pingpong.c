/* pingpong.c: the limit for the ping-pong case. One byte goes back and
 * forth over TCP on 127.0.0.1 (TCP_NODELAY), both ends in this process and
 * one thread, each wait an epoll_wait, as an event loop would do it.
 * Usage: pingpong ROUND_TRIPS; prints {"us_per_rt": ...}. */
#include <sys/epoll.h>

#include "common.h"

static void run(int client, int epfd, long n) {
  struct epoll_event evs[4];
  char b = 'x';
  long done = 0;

  if (write(client, &b, 1) != 1)
    die("write");
  while (done < n) {
    int k = epoll_wait(epfd, evs, 4, -1);
    for (int i = 0; i < k; i++) {
      int fd = evs[i].data.fd;
      if (read(fd, &b, 1) != 1)
        continue; /* spurious: level-triggered, it comes back */
      if (fd == client && ++done == n)
        break;
      if (write(fd, &b, 1) != 1)
        die("write");
    }
  }
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  int port = 0, lfd = listen_local(&port);
  int client = connect_local(port);
  int server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  struct epoll_event ev;
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  double t0;

  if (server == -1 || epfd == -1)
    die("accept/epoll");
  set_nodelay_nonblock(client);
  set_nodelay_nonblock(server);
  ev.events = EPOLLIN;
  ev.data.fd = client;
  epoll_ctl(epfd, EPOLL_CTL_ADD, client, &ev);
  ev.data.fd = server;
  epoll_ctl(epfd, EPOLL_CTL_ADD, server, &ev);

  run(client, epfd, n / 10 + 1); /* warm-up */
  t0 = now_us();
  run(client, epfd, n);
  printf("{\"us_per_rt\":%.4f}\n", (now_us() - t0) / (double)n);
  return 0;
}
