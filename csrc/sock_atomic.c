/* sock_atomic.c: fds born O_NONBLOCK | FD_CLOEXEC in one call, where the
 * OS has SOCK_NONBLOCK/SOCK_CLOEXEC, accept4 and pipe2 (Linux, the BSDs).
 * No window in which another thread's fork+exec inherits the fd.
 * CMake picks this file or sock_fcntl.c (check_symbol_exists); both define
 * the sock_* set of internal.h. */

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

#define EL_SOCK_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)

int sock_open(int family, int type) {
  int fd = socket(family, type | EL_SOCK_FLAGS, 0);
  return fd == -1 ? -errno : fd;
}

int sock_pair(int fds[2]) {
  return socketpair(AF_UNIX, SOCK_STREAM | EL_SOCK_FLAGS, 0, fds) == -1
             ? -errno
             : 0;
}

int sock_accept(int fd) {
  int c = accept4(fd, NULL, NULL, EL_SOCK_FLAGS);
  return c == -1 ? -errno : c;
}

int sock_pipe(int fds[2]) {
  return pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1 ? -errno : 0;
}
