/* http_server.c: the HTTP server of the curl case. Single-threaded epoll
 * on 127.0.0.1, keep-alive, answers every request (a GET: headers only,
 * ended by an empty line) with the same response of SIZE body bytes, the
 * byte at offset k being (k & 0xff). Fast on purpose, so that the clients
 * are what the case compares. Usage: http_server SIZE; prints {"port": N}
 * and serves until killed. */
#include <sys/epoll.h>

#include "common.h"

#define MAX_FDS 65536

/* Per connection: how far into "\r\n\r\n" the request scan is, and how
 * many response bytes are still owed (several if requests queued up). */
struct conn {
  int match;
  size_t owed;
  size_t pos;
  int want_out;
};

static struct conn conns[MAX_FDS];
static char *resp;
static size_t resp_len;

/* Sends what fd is owed; returns -1 when the peer is gone. */
static int send_owed(int epfd, int fd) {
  struct conn *c = &conns[fd];
  while (c->owed > 0) {
    size_t len = resp_len - c->pos;
    if (len > c->owed)
      len = c->owed;
    ssize_t w = write(fd, resp + c->pos, len);
    if (w == -1) {
      if (errno != EAGAIN)
        return -1;
      break;
    }
    c->owed -= (size_t)w;
    c->pos = (c->pos + (size_t)w) % resp_len;
  }
  int want = c->owed > 0;
  if (want != c->want_out) {
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0)};
    ev.data.fd = fd;
    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    c->want_out = want;
  }
  return 0;
}

int main(int argc, char **argv) {
  size_t size = argc > 1 ? (size_t)atol(argv[1]) : 16384;
  int port = 0, lfd = listen_local(&port);
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev, evs[256];
  char buf[65536];
  static const char crlf2[] = "\r\n\r\n";

  if (epfd == -1)
    die("epoll_create1");
  resp = malloc(256 + size);
  if (resp == NULL)
    die("malloc");
  resp_len = (size_t)sprintf(resp,
                             "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                             "Content-Type: application/octet-stream\r\n\r\n",
                             size);
  for (size_t k = 0; k < size; k++)
    resp[resp_len + k] = (char)(k & 0xff);
  resp_len += size;

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
          if (c >= MAX_FDS) {
            close(c);
            continue;
          }
          set_nodelay_nonblock(c);
          memset(&conns[c], 0, sizeof(conns[c]));
          ev.events = EPOLLIN;
          ev.data.fd = c;
          epoll_ctl(epfd, EPOLL_CTL_ADD, c, &ev);
        }
        continue;
      }
      if (evs[i].events & EPOLLIN) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == -1 && errno == EAGAIN)
          continue;
        if (n <= 0) {
          close(fd); /* also leaves the epoll set */
          continue;
        }
        struct conn *c = &conns[fd];
        for (ssize_t j = 0; j < n; j++) {
          c->match = buf[j] == crlf2[c->match] ? c->match + 1
                     : buf[j] == '\r'         ? 1
                                              : 0;
          if (c->match == 4) {
            c->owed += resp_len;
            c->match = 0;
          }
        }
      }
      if (send_owed(epfd, fd) == -1)
        close(fd);
    }
  }
}
