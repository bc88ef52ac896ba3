/* inotify_none.c: the inotify functions where the system has no inotify
 * (macOS, the BSDs): each says so with -ENOSYS, and the TypeScript side
 * turns that into an error naming the platform. */

#include <errno.h>

#include "internal.h"

int32_t el_inotify_init(void) { return -ENOSYS; }

int32_t el_inotify_add_watch(int32_t fd, const char *path, uint32_t mask) {
  (void)fd;
  (void)path;
  (void)mask;
  return -ENOSYS;
}

int32_t el_inotify_rm_watch(int32_t fd, int32_t wd) {
  (void)fd;
  (void)wd;
  return -ENOSYS;
}
