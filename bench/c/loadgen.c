/* loadgen.c: the echo cases' load generator, in its own process so the
 * server under test has its core. CONNS connections each keep one
 * SIZE-byte message in flight (send, wait for the whole echo, send again);
 * messages completed during the measured window are counted. The fd limit
 * is raised to the hard limit; when that is still too low for CONNS it
 * prints {"skipped": ...} instead.
 * Usage: loadgen PORT CONNS SIZE WARMUP_MS MEASURE_MS;
 * prints {"msgs_per_s": ...}. */
#include <sys/epoll.h>

#include "common.h"

#define MAX_CONNS 100000

int main(int argc, char **argv) {
  int port, conns, size, *fds, *got;
  long limit;
  double warmup_us, measure_us, t0, start = 0, end;
  long counted = 0;
  int measuring = 0, epfd;
  struct epoll_event ev, evs[256];
  char msg[65536], buf[65536];

  if (argc < 6) {
    fprintf(stderr, "usage: loadgen PORT CONNS SIZE WARMUP_MS MEASURE_MS\n");
    return 2;
  }
  port = atoi(argv[1]);
  conns = atoi(argv[2]);
  size = atoi(argv[3]);
  warmup_us = atof(argv[4]) * 1e3;
  measure_us = atof(argv[5]) * 1e3;
  if (conns < 1 || conns > MAX_CONNS || size < 1 || size > (int)sizeof(msg))
    return 2;
  limit = raise_nofile();
  if (limit < conns + 16) {
    printf("{\"skipped\":\"%d connections need %d fds; the hard limit (ulimit -Hn) is %ld\"}\n",
           conns, conns + 16, limit);
    return 0;
  }
  fds = calloc((size_t)conns, sizeof(int));
  got = calloc((size_t)conns, sizeof(int));
  if (fds == NULL || got == NULL)
    die("calloc");
  memset(msg, 'm', (size_t)size);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < conns; i++) {
    fds[i] = connect_local(port);
    set_nodelay_nonblock(fds[i]);
    ev.events = EPOLLIN;
    ev.data.u32 = (uint32_t)i;
    epoll_ctl(epfd, EPOLL_CTL_ADD, fds[i], &ev);
  }
  t0 = now_us();
  for (int i = 0; i < conns; i++)
    if (write(fds[i], msg, (size_t)size) != size)
      die("write");
  end = t0 + warmup_us + measure_us;
  for (;;) {
    double t = now_us();
    if (!measuring && t >= t0 + warmup_us) {
      measuring = 1;
      start = t;
      counted = 0;
    }
    if (t >= end)
      break;
    int k = epoll_wait(epfd, evs, 256, 100);
    for (int j = 0; j < k; j++) {
      int i = (int)evs[j].data.u32;
      ssize_t n = read(fds[i], buf, sizeof(buf));
      if (n <= 0) {
        if (n == -1 && errno == EAGAIN)
          continue;
        fprintf(stderr, "loadgen: connection %d closed\n", i);
        return 1;
      }
      got[i] += (int)n;
      while (got[i] >= size) {
        got[i] -= size;
        counted++;
        if (write(fds[i], msg, (size_t)size) != size)
          die("write");
      }
    }
  }
  printf("{\"msgs_per_s\":%.1f}\n", (double)counted / ((now_us() - start) / 1e6));
  return 0;
}
