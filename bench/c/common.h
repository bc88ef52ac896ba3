/* common.h: small helpers shared by the benchmark's C programs (the
 * physical limit evloop is measured against). Not part of the shim. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline void die(const char *what) {
  perror(what);
  exit(1);
}

static inline double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline void set_nodelay_nonblock(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
    die("setsockopt");
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
    die("fcntl");
}

/* A listening socket on 127.0.0.1 (port 0 picks one); *port gets it. */
static inline int listen_local(int *port) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1)
    die("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)*port);
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
    die("bind");
  if (listen(fd, 1024) == -1)
    die("listen");
  if (getsockname(fd, (struct sockaddr *)&sa, &len) == -1)
    die("getsockname");
  *port = ntohs(sa.sin_port);
  return fd;
}

/* A blocking connect to 127.0.0.1:port. */
static inline int connect_local(int port) {
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1)
    die("socket");
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)port);
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
    die("connect");
  return fd;
}

#endif
