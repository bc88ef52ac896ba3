/* tty_linux.c: what only Linux has for serial ports: any baud rate with
 * termios2 and BOTHER (TCGETS2/TCSETS2), and ASYNC_LOW_LATENCY. Its own
 * translation unit: <asm/termbits.h> redefines what <termios.h> declares
 * (struct termios, the flag macros), so this file never includes that. */
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <errno.h>
#include <linux/serial.h>
#include <linux/tty_flags.h>
#include <sys/ioctl.h>

#include "internal.h"

int32_t tty_speed_set(int fd, int32_t baud) {
  struct termios2 t;
  if (ioctl(fd, TCGETS2, &t) == -1)
    return -errno;
  /* BOTHER: the rate is c_ispeed/c_ospeed themselves, not a Bnnn code;
   * the kernel turns a standard rate back into its code. */
  t.c_cflag &= ~(tcflag_t)(CBAUD | (CBAUD << IBSHIFT));
  t.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
  t.c_ispeed = (speed_t)baud;
  t.c_ospeed = (speed_t)baud;
  if (ioctl(fd, TCSETS2, &t) == -1)
    return -errno;
  return 0;
}

int32_t tty_speed_get(int fd) {
  struct termios2 t;
  if (ioctl(fd, TCGETS2, &t) == -1)
    return -errno;
  return (int32_t)t.c_ospeed;
}

int32_t el_tty_low_latency(int32_t fd, int32_t on) {
  struct serial_struct s;
  if (ioctl(fd, TIOCGSERIAL, &s) == -1)
    return -errno;
  if (on)
    s.flags |= ASYNC_LOW_LATENCY;
  else
    s.flags &= ~ASYNC_LOW_LATENCY;
  if (ioctl(fd, TIOCSSERIAL, &s) == -1)
    return -errno;
  return 0;
}
