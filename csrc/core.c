/* core.c: ABI version, the monotonic clock and errno names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "internal.h"

int32_t el_abi_version(void) { return 7; }

double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double el_now_ms(void) { return now_ms(); }

double timeout_or_never(double timeout_ms) {
  /* NaN fails the comparison too: it is no time at all. */
  if (!(timeout_ms <= EL_TIMEOUT_MAX_MS))
    return -1;
  return timeout_ms;
}

void *table_grow(void *table, int *len, size_t size, int i) {
  int n = *len > 0 ? *len : 64;
  char *t;

  while (n <= i)
    n *= 2;
  t = realloc(table, (size_t)n * size);
  if (t == NULL)
    return NULL;
  memset(t + (size_t)*len * size, 0, (size_t)(n - *len) * size);
  *len = n;
  return t;
}

int32_t copy_out(const char *s, char *buf, int32_t len) {
  int32_t n = (int32_t)strlen(s);
  if (len <= 0)
    return -EINVAL;
  if (n >= len)
    n = len - 1;
  memcpy(buf, s, (size_t)n);
  buf[n] = '\0';
  return n;
}

/* Names come from the C library's own constants, so the numbers are right
 * on every OS (errno values differ between Linux, macOS and the BSDs). */
#define ERRNO_NAMES(X)                                                        \
  X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(ENOEXEC)    \
  X(EBADF) X(ECHILD) X(EAGAIN) X(ENOMEM) X(EACCES) X(EFAULT) X(EBUSY)         \
  X(EEXIST) X(EXDEV) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE)       \
  X(EMFILE) X(ENOTTY) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EMLINK)         \
  X(EPIPE) X(EDOM) X(ERANGE) X(EDEADLK) X(ENAMETOOLONG) X(ENOSYS)             \
  X(ENOTEMPTY) X(ELOOP) X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE)               \
  X(EPROTOTYPE) X(ENOPROTOOPT) X(EPROTONOSUPPORT) X(EOPNOTSUPP)               \
  X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH)   \
  X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN)             \
  X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTUNREACH) X(EALREADY) X(EINPROGRESS)     \
  X(ESTALE) X(ECANCELED) X(EOVERFLOW)

int32_t el_errno_name(int32_t err, char *buf, int32_t len) {
  if (err < 0)
    err = -err;
  switch (err) {
#define CASE(name)                                                            \
  case name:                                                                  \
    return copy_out(#name, buf, len);
    ERRNO_NAMES(CASE)
#undef CASE
  default:
    return -EINVAL;
  }
}

int32_t el_errno(void) { return errno; }

void el_set_errno(int32_t err) { errno = err; }

int32_t el_strerror(int32_t err, char *buf, int32_t len) {
  if (err < 0)
    err = -err;
  return copy_out(strerror(err), buf, len);
}

int32_t el_backend_name(char *buf, int32_t len) {
  return copy_out(EVLOOP_BACKEND_NAME, buf, len);
}

int32_t el_kernel(char *buf, int32_t len) {
  struct utsname u;
  char text[2 * sizeof(u.release) + 2];
  if (uname(&u) == -1)
    return -errno;
  snprintf(text, sizeof(text), "%s %s", u.sysname, u.release);
  return copy_out(text, buf, len);
}
