/* fd.c: fd helpers. Every fd made here is O_NONBLOCK | O_CLOEXEC (made by
 * sock_atomic.c or sock_fcntl.c): a watched fd must not block when
 * readiness turns out to be spurious. */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <stdatomic.h>
#include <unistd.h>

#include "internal.h"

/* Where send() has no MSG_NOSIGNAL, sockets carry SO_NOSIGPIPE instead
 * (sock_fcntl.c). */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* What el_fd_write learned of each fd number below FD_KINDS: whether it
 * is a socket (written with send(), MSG_NOSIGNAL) or not (a pipe, a pty,
 * a device: written with write() at once, instead of a send() that fails
 * with ENOTSOCK first, a second system call per write). Learned on the
 * first write that fails with ENOTSOCK, or when the shim makes the fd;
 * forgotten when the shim closes, makes or duplicates under that number.
 * A number closed by other means and reused for a socket is written with
 * write(2) until then: the same bytes, only a gone peer is SIGPIPE rather
 * than EPIPE alone, and Deno, Bun and Node keep SIGPIPE ignored. */
#define FD_KINDS 65536
enum { FD_UNKNOWN = 0, FD_NOT_SOCKET = 1 };
static atomic_uchar fd_kinds[FD_KINDS];

static void fd_kind_set(int fd, unsigned char kind) {
  if (fd >= 0 && fd < FD_KINDS)
    atomic_store_explicit(&fd_kinds[fd], kind, memory_order_relaxed);
}

static unsigned char fd_kind(int fd) {
  if (fd < 0 || fd >= FD_KINDS)
    return FD_UNKNOWN;
  return atomic_load_explicit(&fd_kinds[fd], memory_order_relaxed);
}

static int32_t pair_out(int err, int fds[2], int32_t *out,
                        unsigned char kind) {
  if (err < 0)
    return err;
  fd_kind_set(fds[0], kind);
  fd_kind_set(fds[1], kind);
  out[0] = fds[0];
  out[1] = fds[1];
  return 0;
}

int32_t el_fd_pipe(int32_t *out) {
  int fds[2];
  return pair_out(sock_pipe(fds), fds, out, FD_NOT_SOCKET);
}

int32_t el_fd_socketpair(int32_t *out) {
  int fds[2];
  return pair_out(sock_pair(fds), fds, out, FD_UNKNOWN);
}

int32_t el_fd_read(int32_t fd, uint8_t *buf, int32_t len) {
  ssize_t n;
  if (len < 0)
    return -EINVAL;
  n = read(fd, buf, (size_t)len);
  return n == -1 ? -errno : (int32_t)n;
}

int32_t el_fd_write(int32_t fd, const uint8_t *buf, int32_t len) {
  ssize_t n;
  if (len < 0)
    return -EINVAL;
  /* Known not to be a socket: one write(2). */
  if (fd_kind(fd) == FD_NOT_SOCKET) {
    n = write(fd, buf, (size_t)len);
    return n == -1 ? -errno : (int32_t)n;
  }
  /* send() with MSG_NOSIGNAL on sockets: a closed peer is EPIPE, not a
   * SIGPIPE that would kill the runtime. */
  n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
  if (n == -1 && errno == ENOTSOCK) {
    fd_kind_set(fd, FD_NOT_SOCKET);
    n = write(fd, buf, (size_t)len);
  }
  return n == -1 ? -errno : (int32_t)n;
}

int32_t el_fd_close(int32_t fd) {
  if (fd < 0)
    return -EBADF;
  if (fcntl(fd, F_GETFD) == -1)
    return -errno;
  /* Closing a loop's epoll, eventfd or timerfd would break that loop (and
   * its next el_loop_close would close whatever reuses the numbers). */
  if (loop_owns_fd(fd))
    return -EBUSY;
  /* Removed from every poller first: epoll keys its entries on the open
   * file, so a dup of this fd would keep a stale entry alive. */
  loop_for_each(backend_forget_fd, fd);
  /* close() is not retried on EINTR: on Linux the fd is gone either way. */
  fd_kind_set(fd, FD_UNKNOWN);
  if (close(fd) == -1 && errno != EINTR)
    return -errno;
  return 0;
}

int32_t el_fd_set_nonblocking(int32_t fd, int32_t on) {
  int fl = fcntl(fd, F_GETFL);
  if (fl == -1)
    return -errno;
  fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  return fcntl(fd, F_SETFL, fl) == -1 ? -errno : 0;
}

int32_t el_fd_dup(int32_t fd) {
  int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (r == -1)
    return -errno;
  fd_kind_set(r, fd_kind(fd));
  return r;
}

static int resolve(const char *host, int port, struct sockaddr_storage *ss,
                   socklen_t *len) {
  struct addrinfo hints, *res;
  char service[8];
  int r;
  if (port < 0 || port > 65535)
    return -EINVAL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  /* Numeric only: a name lookup would block the loop's thread. */
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  snprintf(service, sizeof(service), "%d", port);
  r = getaddrinfo(host, service, &hints, &res);
  if (r != 0)
    return -EINVAL;
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

static void nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int32_t el_tcp_listen(const char *host, int32_t port, int32_t backlog,
                      int32_t flags) {
  struct sockaddr_storage ss;
  socklen_t len;
  int fd, err, one = 1;

  if (backlog < 0 || (flags & ~EL_TCP_REUSEPORT) != 0)
    return -EINVAL;
#ifndef SO_REUSEPORT
  if (flags & EL_TCP_REUSEPORT)
    return -ENOTSUP;
#endif
  if ((err = resolve(host, port, &ss, &len)) < 0)
    return err;
  if ((fd = sock_open(ss.ss_family, SOCK_STREAM)) < 0)
    return fd;
  fd_kind_set(fd, FD_UNKNOWN);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
#ifdef SO_REUSEPORT
  /* Several listeners on one port, each with its own accept queue: one
   * loop per core, the kernel spreading connections between them. */
  if ((flags & EL_TCP_REUSEPORT) &&
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1) {
    err = -errno;
    close(fd);
    return err;
  }
#endif
  /* listen(2) caps the backlog at somaxconn; 0 is the kernel's minimum. */
  if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
      listen(fd, backlog) == -1) {
    err = -errno;
    close(fd);
    return err;
  }
  return fd;
}

int32_t el_tcp_accept(int32_t fd) {
  int c = sock_accept(fd);
  if (c < 0)
    return c;
  fd_kind_set(c, FD_UNKNOWN);
  nodelay(c);
  return c;
}

int32_t el_tcp_connect(const char *host, int32_t port) {
  struct sockaddr_storage ss;
  socklen_t len;
  int fd, err;

  if ((err = resolve(host, port, &ss, &len)) < 0)
    return err;
  if ((fd = sock_open(ss.ss_family, SOCK_STREAM)) < 0)
    return fd;
  fd_kind_set(fd, FD_UNKNOWN);
  nodelay(fd);
  if (connect(fd, (struct sockaddr *)&ss, len) == -1 && errno != EINPROGRESS) {
    err = -errno;
    close(fd);
    return err;
  }
  return fd;
}

int32_t el_sock_port(int32_t fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
    return -errno;
  if (ss.ss_family == AF_INET)
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return -EAFNOSUPPORT;
}

int32_t el_sock_error(int32_t fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  int taken;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
    return -errno;
  /* The poller may have read (and so cleared) it first: libkqueue does, to
   * fill in a kevent's fflags. */
  taken = backend_take_sock_error(fd);
  return err != 0 ? -err : -taken;
}

int32_t el_sock_shutdown(int32_t fd, int32_t how) {
  int h = how == 0 ? SHUT_RD : how == 1 ? SHUT_WR : SHUT_RDWR;
  return shutdown(fd, h) == -1 ? -errno : 0;
}

int32_t el_sock_send_oob(int32_t fd, int32_t byte) {
  uint8_t b = (uint8_t)byte;
  ssize_t n = send(fd, &b, 1, MSG_OOB | MSG_NOSIGNAL);
  return n == -1 ? -errno : (int32_t)n;
}

int32_t el_sock_recv_oob(int32_t fd) {
  uint8_t b;
  ssize_t n = recv(fd, &b, 1, MSG_OOB);
  return n == -1 ? -errno : (int32_t)b;
}
