/* tty.c: terminals and serial ports through <termios.h> and the modem
 * ioctls, the same on every OS. The line speed is set apart
 * (tty_linux.c: termios2, whose <asm/termbits.h> cannot share a
 * translation unit with <termios.h>; tty_bsd.c: macOS and the BSDs). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "internal.h"

#define ALL_FLAGS                                                             \
  (EL_TTY_RTSCTS | EL_TTY_XON | EL_TTY_XOFF | EL_TTY_XANY | EL_TTY_HUPCL)

/* O_NONBLOCK and FD_CLOEXEC on an fd made without them (posix_openpt takes
 * neither everywhere). */
static int nonblock_cloexec(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
    return -errno;
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
    return -errno;
  return 0;
}

int32_t el_tty_openpt(char *path, int32_t len) {
  int fd, err;

  if (len <= 0)
    return -EINVAL;
  fd = posix_openpt(O_RDWR | O_NOCTTY);
  if (fd == -1)
    return -errno;
  err = nonblock_cloexec(fd);
  if (err == 0 && (grantpt(fd) != 0 || unlockpt(fd) != 0))
    err = -errno;
  if (err == 0) {
    /* glibc's ptsname_r returns the error number itself, macOS's -1 with
     * errno set. */
    int r = ptsname_r(fd, path, (size_t)len);
    if (r != 0)
      err = r > 0 ? -r : -errno;
  }
  if (err != 0) {
    close(fd);
    return err;
  }
  return fd;
}

int32_t el_tty_open(const char *path) {
  int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1)
    return -errno;
  if (!isatty(fd)) {
    close(fd);
    return -ENOTTY;
  }
  return fd;
}

static tcflag_t size_bits(int32_t data_bits) {
  switch (data_bits) {
  case 5:
    return CS5;
  case 6:
    return CS6;
  case 7:
    return CS7;
  default:
    return CS8;
  }
}

/* The parity bits of c_cflag, or (tcflag_t)-1 when this OS cannot. */
static tcflag_t parity_bits(int32_t parity) {
  switch (parity) {
  case EL_TTY_PARITY_NONE:
    return 0;
  case EL_TTY_PARITY_EVEN:
    return PARENB;
  case EL_TTY_PARITY_ODD:
    return PARENB | PARODD;
#ifdef CMSPAR
  case EL_TTY_PARITY_MARK: /* the parity bit always 1 */
    return PARENB | CMSPAR | PARODD;
  case EL_TTY_PARITY_SPACE: /* always 0 */
    return PARENB | CMSPAR;
#endif
  default:
    return (tcflag_t)-1;
  }
}

#ifndef CMSPAR
#define CMSPAR 0
#endif

/* The rates <termios.h> names: set with cfsetispeed/cfsetospeed in the
 * same tcsetattr as the rest, so that they need no termios2 (which an
 * emulator such as qemu-user may not translate). Another rate goes
 * through tty_speed_set. */
static const struct {
  int32_t baud;
  speed_t code;
} RATES[] = {
    {50, B50},         {75, B75},         {110, B110},     {134, B134},
    {150, B150},       {200, B200},       {300, B300},     {600, B600},
    {1200, B1200},     {1800, B1800},     {2400, B2400},   {4800, B4800},
    {9600, B9600},     {19200, B19200},   {38400, B38400}, {57600, B57600},
    {115200, B115200}, {230400, B230400},
#ifdef B460800
    {460800, B460800},
#endif
#ifdef B921600
    {921600, B921600},
#endif
};

static int rate_code(int32_t baud, speed_t *code) {
  size_t i;
  for (i = 0; i < sizeof RATES / sizeof RATES[0]; i++) {
    if (RATES[i].baud == baud) {
      *code = RATES[i].code;
      return 1;
    }
  }
  return 0;
}

/* A terminal's rate from its Bnnn code, where termios2 is not there. */
static int32_t rate_of(speed_t code) {
  size_t i;
  for (i = 0; i < sizeof RATES / sizeof RATES[0]; i++)
    if (RATES[i].code == code)
      return RATES[i].baud;
  return (int32_t)code; /* macOS and the BSDs: speed_t is the rate */
}

/* The rate now: termios2 first (it knows a BOTHER rate), else the code. */
static int32_t current_rate(int fd) {
  struct termios t;
  int32_t baud = tty_speed_get(fd);
  if (baud >= 0 || baud == -EBADF)
    return baud;
  if (tcgetattr(fd, &t) != 0)
    return -errno;
  return rate_of(cfgetospeed(&t));
}

int32_t el_tty_configure(int32_t fd, int32_t baud, int32_t data_bits,
                         int32_t stop_bits, int32_t parity, int32_t flags) {
  struct termios t;
  tcflag_t pbits;
  speed_t code;
  int standard;

  if (baud <= 0 || data_bits < 5 || data_bits > 8 ||
      (stop_bits != EL_TTY_STOP_1 && stop_bits != EL_TTY_STOP_2 &&
       stop_bits != EL_TTY_STOP_1_5) ||
      parity < EL_TTY_PARITY_NONE || parity > EL_TTY_PARITY_SPACE ||
      (flags & ~ALL_FLAGS) != 0)
    return -EINVAL;
  pbits = parity_bits(parity);
  if (pbits == (tcflag_t)-1)
    return -ENOTSUP;
  if (tcgetattr(fd, &t) != 0)
    return -errno;
  /* Raw, as cfmakeraw does (spelled out: it is not POSIX). */
  t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                           ICRNL | IXON | IXOFF | IXANY | INPCK);
  t.c_oflag &= ~(tcflag_t)OPOST;
  t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CMSPAR | CSTOPB | HUPCL |
                           CRTSCTS);
  t.c_cflag |= CLOCAL | CREAD | size_bits(data_bits) | pbits;
  if (stop_bits != EL_TTY_STOP_1)
    t.c_cflag |= CSTOPB;
  if (pbits != 0)
    t.c_iflag |= INPCK;
  if (flags & EL_TTY_RTSCTS)
    t.c_cflag |= CRTSCTS;
  if (flags & EL_TTY_HUPCL)
    t.c_cflag |= HUPCL;
  if (flags & EL_TTY_XON)
    t.c_iflag |= IXON;
  if (flags & EL_TTY_XOFF)
    t.c_iflag |= IXOFF;
  if (flags & EL_TTY_XANY)
    t.c_iflag |= IXANY;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  standard = rate_code(baud, &code);
  if (standard && (cfsetispeed(&t, code) != 0 || cfsetospeed(&t, code) != 0))
    return -errno;
  if (tcsetattr(fd, TCSANOW, &t) != 0)
    return -errno;
  /* After tcsetattr: on macOS it would undo an IOSSIOSPEED speed. */
  return standard ? 0 : tty_speed_set(fd, baud);
}

int32_t el_tty_get_config(int32_t fd, int32_t *out) {
  struct termios t;
  int32_t baud, flags = 0;
  tcflag_t c;

  if (tcgetattr(fd, &t) != 0)
    return -errno;
  baud = current_rate(fd);
  if (baud < 0)
    return baud;
  c = t.c_cflag;
  out[0] = baud;
  switch (c & CSIZE) {
  case CS5:
    out[1] = 5;
    break;
  case CS6:
    out[1] = 6;
    break;
  case CS7:
    out[1] = 7;
    break;
  default:
    out[1] = 8;
  }
  out[2] = (c & CSTOPB) ? EL_TTY_STOP_2 : EL_TTY_STOP_1;
  if (!(c & PARENB))
    out[3] = EL_TTY_PARITY_NONE;
  else if (CMSPAR != 0 && (c & CMSPAR))
    out[3] = (c & PARODD) ? EL_TTY_PARITY_MARK : EL_TTY_PARITY_SPACE;
  else
    out[3] = (c & PARODD) ? EL_TTY_PARITY_ODD : EL_TTY_PARITY_EVEN;
  if (c & CRTSCTS)
    flags |= EL_TTY_RTSCTS;
  if (c & HUPCL)
    flags |= EL_TTY_HUPCL;
  if (t.c_iflag & IXON)
    flags |= EL_TTY_XON;
  if (t.c_iflag & IXOFF)
    flags |= EL_TTY_XOFF;
  if (t.c_iflag & IXANY)
    flags |= EL_TTY_XANY;
  out[4] = flags;
  out[5] = (t.c_lflag & (ICANON | ECHO | ISIG)) == 0 && !(t.c_oflag & OPOST);
  return 0;
}

int32_t el_tty_get_baud(int32_t fd) {
  if (!isatty(fd))
    return errno == EBADF ? -EBADF : -ENOTTY;
  return current_rate(fd);
}

int32_t el_tty_modem_get(int32_t fd) {
  int bits, out = 0;
  if (ioctl(fd, TIOCMGET, &bits) == -1)
    return -errno;
  if (bits & TIOCM_DTR)
    out |= EL_TTY_DTR;
  if (bits & TIOCM_RTS)
    out |= EL_TTY_RTS;
  if (bits & TIOCM_CTS)
    out |= EL_TTY_CTS;
  if (bits & TIOCM_DSR)
    out |= EL_TTY_DSR;
  if (bits & TIOCM_CD)
    out |= EL_TTY_DCD;
  if (bits & TIOCM_RI)
    out |= EL_TTY_RI;
  return out;
}

int32_t el_tty_modem_set(int32_t fd, int32_t mask, int32_t values) {
  int on = 0, off = 0;

  if ((mask & ~(EL_TTY_DTR | EL_TTY_RTS | EL_TTY_BRK)) != 0)
    return -EINVAL;
  if (mask & EL_TTY_DTR)
    *((values & EL_TTY_DTR) ? &on : &off) |= TIOCM_DTR;
  if (mask & EL_TTY_RTS)
    *((values & EL_TTY_RTS) ? &on : &off) |= TIOCM_RTS;
  if (on != 0 && ioctl(fd, TIOCMBIS, &on) == -1)
    return -errno;
  if (off != 0 && ioctl(fd, TIOCMBIC, &off) == -1)
    return -errno;
  if ((mask & EL_TTY_BRK) &&
      ioctl(fd, (values & EL_TTY_BRK) ? TIOCSBRK : TIOCCBRK) == -1)
    return -errno;
  return 0;
}

int32_t el_tty_flush(int32_t fd) {
  return tcflush(fd, TCIOFLUSH) == 0 ? 0 : -errno;
}

int32_t el_tty_outq(int32_t fd) {
  int n;
  if (ioctl(fd, TIOCOUTQ, &n) == -1)
    return -errno;
  return n;
}

int32_t el_tty_lock(int32_t fd, int32_t on) {
  if (on) {
    /* flock first: a refused second open must not touch the exclusive
     * flag, which belongs to the terminal, not to the open file. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0)
      return errno == EWOULDBLOCK ? -EBUSY : -errno;
    if (ioctl(fd, TIOCEXCL) == -1) {
      int err = -errno;
      flock(fd, LOCK_UN);
      return err;
    }
    return 0;
  }
  if (ioctl(fd, TIOCNXCL) == -1)
    return -errno;
  return flock(fd, LOCK_UN) == 0 ? 0 : -errno;
}
