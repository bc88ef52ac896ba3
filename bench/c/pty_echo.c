/* pty_echo.c: the serial case's device. It opens a pty, prints the slave's
 * path (the "serial port" the benchmark opens) on one line, then echoes
 * every byte the port writes back to it, as an echo firmware on a board
 * would, until stdin closes (the benchmark ends it by closing the pipe).
 * Blocking poll() on the master and stdin: the device costs nothing idle,
 * so the idle CPU figure is the port's alone.
 * Usage: pty_echo; prints /dev/pts/N. */
#include <poll.h>

#include "common.h"

/* Writes all of buf to the master, waiting for room when the slave's input
 * queue is full (the port is not reading fast enough). */
static int write_all(int master, const char *buf, ssize_t n) {
  while (n > 0) {
    ssize_t w = write(master, buf, (size_t)n);
    if (w == -1 && errno == EAGAIN) {
      struct pollfd p = {.fd = master, .events = POLLOUT};
      poll(&p, 1, -1);
      continue;
    }
    if (w == -1)
      return -1;
    buf += w;
    n -= w;
  }
  return 0;
}

int main(void) {
  static char buf[65536];
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  char *path;

  if (master == -1 || grantpt(master) == -1 || unlockpt(master) == -1)
    die("posix_openpt");
  path = ptsname(master);
  if (path == NULL)
    die("ptsname");
  printf("%s\n", path);
  fflush(stdout);

  for (;;) {
    struct pollfd p[2] = {{.fd = master, .events = POLLIN},
                          {.fd = STDIN_FILENO, .events = POLLIN}};
    ssize_t n;

    if (poll(p, 2, -1) == -1 && errno != EINTR)
      die("poll");
    if (p[1].revents)
      return 0; /* stdin closed (or written to): the benchmark is done */
    if (!p[0].revents)
      continue;
    n = read(master, buf, sizeof(buf));
    if (n == -1 && errno == EIO) {
      /* No slave open (before the port opens, after it closes): the
       * master reports a hang-up until one is; wait without spinning. */
      usleep(1000);
      continue;
    }
    if (n == -1 && errno == EAGAIN)
      continue;
    if (n <= 0)
      die("read");
    if (write_all(master, buf, n) == -1)
      die("write");
  }
}
