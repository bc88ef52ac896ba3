/* edge_write.c: the EL_EDGE interest flag and el_fd_write's memory of
 * which fds are not sockets, through the C ABI only (so the sanitizer
 * gates see them too):
 * - EL_EDGE: an fd that stays readable is reported once, not per wait; a
 *   new write reports it again; a MOD that adds EL_WRITE reports what is
 *   ready then; a partial read leaves it silent until the next write
 *   (which is why its owner reads until EAGAIN);
 * - el_fd_write on a pipe (one write(2)), on a socket, and on a number
 *   the shim closed and then handed out again as a socket whose peer is
 *   gone: EPIPE, never SIGPIPE (left at its default here, it would kill
 *   the test), so the memory of "not a socket" went with the close.
 *
 * Built as evloop_test_edge_write (CTest); run by tests/fd_test.ts. Prints
 * "all ok". */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../csrc/evloop.h"
#include "check.h"

static void edge(void) {
  int32_t id = el_loop_open(), p[2];
  uint8_t buf[8];
  CHECK(id >= 0);
  CHECK(el_fd_pipe(p) == 0);
  CHECK(el_fd_write(p[1], (const uint8_t *)"abcd", 4) == 4);
  /* Ready at ADD: reported once, then silent though still readable. */
  CHECK(el_poller_ctl(id, EL_CTL_ADD, p[0], EL_READ | EL_EDGE) == 0);
  CHECK(events_of(id, p[0]) == EL_READ);
  CHECK(events_of(id, p[0]) == 0);
  /* A partial read makes no new edge: the owner must read to EAGAIN. */
  CHECK(el_fd_read(p[0], buf, 2) == 2);
  CHECK(events_of(id, p[0]) == 0);
  /* New bytes: a new edge. */
  CHECK(el_fd_write(p[1], (const uint8_t *)"e", 1) == 1);
  CHECK(events_of(id, p[0]) == EL_READ);
  CHECK(events_of(id, p[0]) == 0);
  CHECK(el_fd_read(p[0], buf, sizeof(buf)) == 3);
  CHECK(el_fd_read(p[0], buf, sizeof(buf)) == -EAGAIN);
  CHECK(events_of(id, p[0]) == 0);
  CHECK(el_poller_ctl(id, EL_CTL_DEL, p[0], 0) == 0);

  /* Level-triggered as before without EL_EDGE: reported on every wait. */
  CHECK(el_fd_write(p[1], (const uint8_t *)"f", 1) == 1);
  CHECK(el_poller_ctl(id, EL_CTL_ADD, p[0], EL_READ) == 0);
  CHECK(events_of(id, p[0]) == EL_READ);
  CHECK(events_of(id, p[0]) == EL_READ);
  CHECK(el_poller_ctl(id, EL_CTL_DEL, p[0], 0) == 0);
  CHECK(el_fd_read(p[0], buf, sizeof(buf)) == 1);

  /* A socket armed for reading, then MOD adds writing: the MOD reports
   * the writability there is, once. */
  {
    int32_t s[2];
    CHECK(el_fd_socketpair(s) == 0);
    CHECK(el_poller_ctl(id, EL_CTL_ADD, s[0], EL_READ | EL_EDGE) == 0);
    CHECK(events_of(id, s[0]) == 0);
    CHECK(el_poller_ctl(id, EL_CTL_MOD, s[0], EL_READ | EL_WRITE | EL_EDGE) ==
          0);
    CHECK(events_of(id, s[0]) == EL_WRITE);
    CHECK(events_of(id, s[0]) == 0);
    CHECK(el_fd_write(s[1], (const uint8_t *)"x", 1) == 1);
    CHECK((events_of(id, s[0]) & EL_READ) != 0);
    CHECK(events_of(id, s[0]) == 0);
    /* The peer goes: a hang-up edge. */
    CHECK(el_fd_close(s[1]) == 0);
    CHECK((events_of(id, s[0]) & EL_HUP) != 0);
    CHECK(el_fd_close(s[0]) == 0);
  }
  CHECK(el_fd_close(p[0]) == 0);
  CHECK(el_fd_close(p[1]) == 0);
  CHECK(el_loop_close(id) == 0);
}

static void writes(void) {
  int32_t p[2], s[2], t[2];
  uint8_t buf[8];
  /* SIGPIPE at its default: a write(2) to a socket whose peer is gone
   * would end the process here. */
  signal(SIGPIPE, SIG_DFL);
  CHECK(el_fd_pipe(p) == 0);
  CHECK(el_fd_write(p[1], (const uint8_t *)"ab", 2) == 2);
  CHECK(el_fd_read(p[0], buf, sizeof(buf)) == 2);
  /* The read end gone: a pipe's EPIPE (SIGPIPE ignored for this one). */
  CHECK(el_fd_close(p[0]) == 0);
  signal(SIGPIPE, SIG_IGN);
  CHECK(el_fd_write(p[1], (const uint8_t *)"c", 1) == -EPIPE);
  signal(SIGPIPE, SIG_DFL);
  /* The write end's number, closed by the shim, comes back as a socket. */
  int32_t pipe_w = p[1];
  CHECK(el_fd_close(p[1]) == 0);
  CHECK(el_fd_socketpair(s) == 0);
  CHECK(s[0] == pipe_w || s[1] == pipe_w);
  CHECK(el_fd_write(s[0], (const uint8_t *)"d", 1) == 1);
  CHECK(el_fd_read(s[1], buf, sizeof(buf)) == 1);
  /* Its peer gone: EPIPE from send(MSG_NOSIGNAL), the process lives. */
  CHECK(el_fd_close(s[1]) == 0);
  CHECK(el_fd_write(s[0], (const uint8_t *)"e", 1) == -EPIPE);
  CHECK(el_fd_close(s[0]) == 0);
  /* A dup of a pipe's write end is written as a pipe. */
  CHECK(el_fd_pipe(t) == 0);
  {
    int32_t d = el_fd_dup(t[1]);
    CHECK(d >= 0);
    CHECK(el_fd_write(d, (const uint8_t *)"f", 1) == 1);
    CHECK(el_fd_read(t[0], buf, sizeof(buf)) == 1);
    CHECK(el_fd_close(d) == 0);
  }
  CHECK(el_fd_close(t[0]) == 0);
  CHECK(el_fd_close(t[1]) == 0);
  signal(SIGPIPE, SIG_IGN);
}

int main(void) {
  edge();
  writes();
  if (failures != 0) {
    fprintf(stderr, "%d failures\n", failures);
    return 1;
  }
  printf("all ok\n");
  return 0;
}
