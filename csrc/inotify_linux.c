/* inotify_linux.c: inotify(7) for src/devices/inotify.ts. CMake builds this
 * file on Linux and inotify_none.c elsewhere, so each function here is the
 * system call with its errno turned into the return value. */

#include <errno.h>
#include <sys/inotify.h>

#include "internal.h"

int32_t el_inotify_init(void) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

int32_t el_inotify_add_watch(int32_t fd, const char *path, uint32_t mask) {
  int wd = inotify_add_watch(fd, path, mask);
  return wd < 0 ? -errno : wd;
}

int32_t el_inotify_rm_watch(int32_t fd, int32_t wd) {
  return inotify_rm_watch(fd, wd) < 0 ? -errno : 0;
}
