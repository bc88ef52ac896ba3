/* tty_bsd.c: the line speed on macOS and the BSDs, where speed_t is the
 * rate itself. macOS takes a non-standard rate only through IOSSIOSPEED,
 * after tcsetattr (which would reset it); the BSDs take any rate with
 * cfsetspeed. Nothing here ran on a Mac (docs/platforms.md). */
#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
/* IOKit/serial/ioss.h's value, spelled here: a cross-compiler's macOS
 * headers may lack IOKit. */
#if defined(__APPLE__) && !defined(IOSSIOSPEED)
#define IOSSIOSPEED _IOW('T', 2, speed_t)
#endif

#include "internal.h"

int32_t tty_speed_set(int fd, int32_t baud) {
  struct termios t;
  if (tcgetattr(fd, &t) != 0)
    return -errno;
  if (cfsetspeed(&t, (speed_t)baud) == 0 && tcsetattr(fd, TCSANOW, &t) == 0)
    return 0;
#ifdef __APPLE__
  {
    speed_t speed = (speed_t)baud;
    if (ioctl(fd, IOSSIOSPEED, &speed) == -1)
      return -errno;
    return 0;
  }
#else
  return -errno;
#endif
}

int32_t tty_speed_get(int fd) {
  struct termios t;
  if (tcgetattr(fd, &t) != 0)
    return -errno;
  return (int32_t)cfgetospeed(&t);
}

int32_t el_tty_low_latency(int32_t fd, int32_t on) {
  (void)fd;
  (void)on;
  return -ENOTSUP;
}
