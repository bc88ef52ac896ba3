/* sock_fcntl.c: fds made O_NONBLOCK | FD_CLOEXEC with fcntl after the
 * call, for systems without SOCK_NONBLOCK/accept4/pipe2 (macOS). Sockets
 * also get SO_NOSIGPIPE where it exists: a write to a closed peer is EPIPE,
 * never a SIGPIPE that would kill the runtime (MSG_NOSIGNAL is not enough
 * there: it only covers send(), and not every release honours it).
 * CMake picks this file or sock_atomic.c; both define the sock_* set of
 * internal.h. */

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

#ifdef SO_NOSIGPIPE
static int no_sigpipe(int fd) {
  int one = 1;
  return setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
}
#else
/* Nothing per socket: el_fd_write's MSG_NOSIGNAL is all there is. */
static int no_sigpipe(int fd) {
  (void)fd;
  return 0;
}
#endif

/* The fd is closed on failure, so callers have nothing left to clean. */
static int finish(int fd, int is_socket) {
  int fl, err;
  fl = fcntl(fd, F_GETFL);
  if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
      fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
    goto fail;
  if (is_socket && no_sigpipe(fd) == -1)
    goto fail;
  return fd;
fail:
  err = -errno;
  close(fd);
  return err;
}

int sock_open(int family, int type) {
  int fd = socket(family, type, 0);
  return fd == -1 ? -errno : finish(fd, 1);
}

static int pair_finish(int r, int fds[2], int is_socket) {
  int err;
  if (r == -1)
    return -errno;
  if ((err = finish(fds[0], is_socket)) < 0) {
    close(fds[1]);
    return err;
  }
  if ((err = finish(fds[1], is_socket)) < 0) {
    close(fds[0]);
    return err;
  }
  return 0;
}

int sock_pair(int fds[2]) {
  return pair_finish(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), fds, 1);
}

int sock_accept(int fd) {
  int c = accept(fd, NULL, NULL);
  return c == -1 ? -errno : finish(c, 1);
}

int sock_pipe(int fds[2]) { return pair_finish(pipe(fds), fds, 0); }
