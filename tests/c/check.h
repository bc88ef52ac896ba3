/* What the native tests share: CHECK records a failed check and goes on
 * (from any thread: the count is atomic), open_fds counts this process's
 * open fds for the leak checks, and events_of reads what a poller reports
 * for one fd. A header, not a test program: CMake builds only the .c files
 * here. */
#ifndef EVLOOP_TEST_CHECK_H
#define EVLOOP_TEST_CHECK_H

#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>

#include "../../csrc/evloop.h"

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

/* The events el_poller_wait reports for fd right now (0: none). */
static inline int32_t events_of(int32_t id, int32_t fd) {
  int32_t out[2 * 64], n, i, got = 0;
  n = el_poller_wait(id, out, 64, 0);
  CHECK(n >= 0);
  for (i = 0; i < n; i++)
    if (out[2 * i] == fd)
      got |= out[2 * i + 1];
  return got;
}

#endif
