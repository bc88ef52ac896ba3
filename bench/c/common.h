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
#include <stdint.h>
#include <sys/resource.h>
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

/* Raises the soft fd limit to the hard one (the connection-scaling case
 * holds 10,000 sockets); returns the limit now in force. */
static inline long raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
    return -1;
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  return (long)rl.rlim_cur;
}

/* A listening socket on 127.0.0.1 (port 0 picks one); *port gets it.
 * With reuse_port, SO_REUSEPORT is set (several listeners on one port). */
static inline int listen_local_opt(int *port, int reuse_port) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1)
    die("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
    die("SO_REUSEPORT");
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)*port);
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
    die("bind");
  if (listen(fd, 4096) == -1)
    die("listen");
  if (getsockname(fd, (struct sockaddr *)&sa, &len) == -1)
    die("getsockname");
  *port = ntohs(sa.sin_port);
  return fd;
}

static inline int listen_local(int *port) { return listen_local_opt(port, 0); }

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
