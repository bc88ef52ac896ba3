/* What the native tests share: CHECK records a failed check and goes on
 * (from any thread: the count is atomic), and open_fds counts this
 * process's open fds for the leak checks. A header, not a test program:
 * CMake builds only the .c files here. */
#ifndef EVLOOP_TEST_CHECK_H
#define EVLOOP_TEST_CHECK_H

#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int failures;

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,      \
              #cond);                                                         \
      atomic_fetch_add(&failures, 1);                                         \
    }                                                                         \
  } while (0)

/* Entries of /proc/self/fd (with "." and ".."), or -1 without /proc. */
static inline int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  if (d == NULL)
    return -1;
  while (readdir(d) != NULL)
    n++;
  closedir(d);
  return n;
}

#endif
