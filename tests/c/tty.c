/* tty.c: the el_tty_* functions on a pseudo-terminal, through the C ABI
 * only (so the sanitizer gates see them): the master and the slave's path,
 * raw mode and every line setting read back (also rates no Bnnn code
 * names, through termios2's BOTHER on Linux), what a pty refuses (the
 * modem lines), flush, a hang-up, the output queue, the lock (a second open file is
 * refused, and let in after unlock), not-a-terminal (-ENOTTY) and a
 * missing path (-ENOENT), with no fd left open.
 *
 * Built as evloop_test_tty (CTest). Prints "all ok". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../csrc/evloop.h"
#include "check.h"

static int on_pty = 1;

static void roundtrip(int32_t fd, int32_t baud, int32_t bits, int32_t stop,
                      int32_t parity, int32_t flags) {
  int32_t c[EL_TTY_CONFIG_LEN];
  CHECK(el_tty_configure(fd, baud, bits, stop, parity, flags) == 0);
  CHECK(el_tty_get_config(fd, c) == 0);
  CHECK(c[0] == baud);
  /* Linux's pty keeps CS8 and clears PARENB whatever is asked
   * (pty_set_termios): a real UART round-trips them. */
  CHECK(c[1] == (on_pty ? 8 : bits));
  CHECK(c[2] == (stop == EL_TTY_STOP_1 ? EL_TTY_STOP_1 : EL_TTY_STOP_2));
  CHECK(c[3] == (on_pty ? EL_TTY_PARITY_NONE : parity));
  CHECK(c[4] == flags);
  CHECK(c[5] == 1);
  CHECK(el_tty_get_baud(fd) == baud);
}

int main(void) {
  char path[128];
  int before = open_fds();
  int32_t master, slave, other, n;
  int32_t c[EL_TTY_CONFIG_LEN];
  char buf[8];

  master = el_tty_openpt(path, sizeof path);
  CHECK(master >= 0);
  CHECK(strncmp(path, "/dev/", 5) == 0);
  CHECK((fcntl(master, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((fcntl(master, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(el_tty_openpt(path, 2) == -ERANGE);
  CHECK(el_tty_openpt(path, 0) == -EINVAL);
  /* ERANGE wrote into path: ask again. */
  CHECK(el_fd_close(master) == 0);
  master = el_tty_openpt(path, sizeof path);
  CHECK(master >= 0);

  slave = el_tty_open(path);
  CHECK(slave >= 0);
  CHECK((fcntl(slave, F_GETFL) & O_NONBLOCK) != 0);

  roundtrip(slave, 9600, 8, EL_TTY_STOP_1, EL_TTY_PARITY_NONE, 0);
  roundtrip(slave, 250000, 7, EL_TTY_STOP_2, EL_TTY_PARITY_EVEN,
            EL_TTY_RTSCTS);
  roundtrip(slave, 31250, 6, EL_TTY_STOP_1_5, EL_TTY_PARITY_ODD,
            EL_TTY_XON | EL_TTY_XOFF | EL_TTY_XANY);
  roundtrip(slave, 115200, 5, EL_TTY_STOP_1, EL_TTY_PARITY_MARK,
            EL_TTY_HUPCL);
  roundtrip(slave, 1, 8, EL_TTY_STOP_1, EL_TTY_PARITY_SPACE, 0);
  roundtrip(slave, 12345678, 8, EL_TTY_STOP_1, EL_TTY_PARITY_NONE, 0);

  /* Out of range: nothing changes. */
  CHECK(el_tty_configure(slave, 0, 8, 1, 0, 0) == -EINVAL);
  CHECK(el_tty_configure(slave, -1, 8, 1, 0, 0) == -EINVAL);
  CHECK(el_tty_configure(slave, 9600, 9, 1, 0, 0) == -EINVAL);
  CHECK(el_tty_configure(slave, 9600, 4, 1, 0, 0) == -EINVAL);
  CHECK(el_tty_configure(slave, 9600, 8, 0, 0, 0) == -EINVAL);
  CHECK(el_tty_configure(slave, 9600, 8, 1, 5, 0) == -EINVAL);
  CHECK(el_tty_configure(slave, 9600, 8, 1, 0, 0x100) == -EINVAL);
  CHECK(el_tty_get_config(slave, c) == 0 && c[0] == 12345678);

  /* Raw: bytes pass untouched both ways. */
  CHECK(el_tty_configure(slave, 9600, 8, 1, 0, 0) == 0);
  CHECK(el_fd_write(master, (const uint8_t *)"a\r\n", 3) == 3);
  usleep(10000);
  n = el_fd_read(slave, (uint8_t *)buf, sizeof buf);
  CHECK(n == 3 && memcmp(buf, "a\r\n", 3) == 0);

  /* A pty has no modem lines. */
  CHECK(el_tty_modem_get(slave) == -ENOTTY);
  CHECK(el_tty_modem_set(slave, EL_TTY_DTR, EL_TTY_DTR) == -ENOTTY);
  CHECK(el_tty_modem_set(slave, EL_TTY_CTS, 0) == -EINVAL);
  n = el_tty_low_latency(slave, 1);
  CHECK(n == -ENOTTY || n == -EINVAL || n == -ENOTSUP);

  /* Flush drops what the slave has not read. */
  CHECK(el_fd_write(master, (const uint8_t *)"zz", 2) == 2);
  usleep(10000);
  CHECK(el_tty_flush(slave) == 0);
  CHECK(el_fd_read(slave, (uint8_t *)buf, sizeof buf) == -EAGAIN);
  CHECK(el_tty_outq(slave) >= 0);

  /* The lock: a second open file is refused until unlock. */
  CHECK(el_tty_lock(slave, 1) == 0);
  other = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (other >= 0) { /* root passes TIOCEXCL; flock still refuses */
    CHECK(el_tty_lock(other, 1) == -EBUSY);
    close(other);
  } else {
    CHECK(errno == EBUSY);
  }
  CHECK(el_tty_lock(slave, 0) == 0);
  other = el_tty_open(path);
  CHECK(other >= 0);
  CHECK(el_tty_lock(other, 1) == 0);
  CHECK(el_tty_lock(other, 0) == 0);
  CHECK(el_fd_close(other) == 0);

  /* Not a terminal, not there, not open. */
  CHECK(el_tty_open("/dev/null") == -ENOTTY);
  CHECK(el_tty_open("/nonexistent/ttyX") == -ENOENT);
  CHECK(el_tty_configure(master + 1000, 9600, 8, 1, 0, 0) == -EBADF);
  CHECK(el_tty_get_baud(master + 1000) == -EBADF);
  {
    int32_t p[2];
    CHECK(el_fd_pipe(p) == 0);
    CHECK(el_tty_configure(p[0], 9600, 8, 1, 0, 0) == -ENOTTY);
    CHECK(el_tty_get_baud(p[0]) == -ENOTTY);
    CHECK(el_tty_outq(p[0]) == -ENOTTY || el_tty_outq(p[0]) >= 0);
    el_fd_close(p[0]);
    el_fd_close(p[1]);
  }

  /* The master closed: the slave is hung up, and reads end of file (the
   * master of a closed slave reads EIO instead). */
  CHECK(el_fd_close(master) == 0);
  n = el_fd_read(slave, (uint8_t *)buf, sizeof buf);
  CHECK(n == 0);
  CHECK(el_fd_close(slave) == 0);
  CHECK(open_fds() == before);

  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  puts("all ok");
  return 0;
}
