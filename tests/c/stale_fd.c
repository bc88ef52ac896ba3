/* stale_fd.c: registration that cannot go stale, through the C ABI only,
 * so ASan and TSan see every path: ADD on EEXIST retried as MOD, MOD on
 * ENOENT retried as ADD, a failed DEL that still forgets the fd,
 * EL_CTL_CHECK, the loop's own fds refused, and (epoll) an entry orphaned
 * by a close while a dup lives, dropped by rebuilding the epoll set while
 * another thread closes watched fds with el_fd_close.
 *
 * Built as evloop_test_stale_fd (CTest); run by tests/stale_fd_test.ts
 * and under the sanitizers by scripts/ci. Prints "all ok". */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../csrc/evloop.h"
#include "check.h"

/* Makes `target` name a new pipe's read end; returns the write end. */
static int reuse(int target) {
  int32_t p[2];
  CHECK(el_fd_pipe(p) == 0);
  if (p[0] != target) {
    CHECK(dup2(p[0], target) == target);
    close(p[0]);
  }
  return p[1];
}

static void retries(void) {
  int32_t id = el_loop_open(), p[2];
  CHECK(id >= 0);
  CHECK(el_fd_pipe(p) == 0);
  CHECK(el_poller_ctl(id, EL_CTL_ADD, p[0], EL_READ) == 0);
  CHECK(el_poller_ctl(id, EL_CTL_ADD, p[0], EL_READ) == 0); /* EEXIST: MOD */
  CHECK(el_poller_ctl(id, EL_CTL_MOD, p[1], EL_WRITE) == 0); /* ENOENT: ADD */
  CHECK(el_poller_ctl(id, EL_CTL_CHECK, p[1], 0) == 1);
  CHECK(events_of(id, p[1]) == EL_WRITE);
  CHECK(el_poller_ctl(id, EL_CTL_DEL, p[1], 0) == 0);
  CHECK(el_poller_ctl(id, EL_CTL_DEL, p[1], 0) == -ENOENT);
  CHECK(el_poller_ctl(id, EL_CTL_CHECK, p[1], 0) == 0);
  CHECK(el_poller_ctl(id, 9, p[0], EL_READ) == -EINVAL);
  CHECK(el_poller_ctl(id, EL_CTL_ADD, -1, EL_READ) == -EBADF);

  /* Closed behind the loop's back: the DEL fails, and forgets it. */
  close(p[0]);
  CHECK(el_poller_ctl(id, EL_CTL_CHECK, p[0], 0) == 0);
  CHECK(el_poller_ctl(id, EL_CTL_DEL, p[0], 0) == -EBADF);
  CHECK(el_poller_ctl(id, EL_CTL_ADD, p[0], EL_READ) == -EBADF);

  /* Closed and the number reused: MOD follows the new file. */
  CHECK(el_fd_pipe(p) == 0);
  CHECK(el_poller_ctl(id, EL_CTL_ADD, p[0], EL_READ) == 0);
  close(p[0]);
  {
    int w = reuse(p[0]);
    CHECK(el_poller_ctl(id, EL_CTL_CHECK, p[0], 0) == 0);
    CHECK(el_poller_ctl(id, EL_CTL_MOD, p[0], EL_READ) == 0);
    CHECK(el_poller_ctl(id, EL_CTL_CHECK, p[0], 0) == 1);
    CHECK(write(w, "x", 1) == 1);
    CHECK(events_of(id, p[0]) == EL_READ);
    el_fd_close(w);
  }
  el_fd_close(p[0]);
  el_fd_close(p[1]);
  CHECK(el_loop_close(id) == 0);
}

static void own_fds(void) {
  char was_open[1024];
  int32_t id, fd, refused = 0;

  /* The loop's fds are the ones its open made. */
  for (fd = 0; fd < 1024; fd++)
    was_open[fd] = fcntl(fd, F_GETFD) != -1;
  id = el_loop_open();
  CHECK(id >= 0);
  for (fd = 0; fd < 1024; fd++) {
    if (was_open[fd] || fcntl(fd, F_GETFD) == -1)
      continue;
    CHECK(el_fd_close(fd) == -EBUSY);
    CHECK(el_poller_ctl(id, EL_CTL_ADD, fd, EL_READ) == -EINVAL);
    CHECK(fcntl(fd, F_GETFD) != -1); /* still open */
    refused++;
  }
  CHECK(refused >= 2);
  CHECK(el_loop_close(id) == 0);
}

static atomic_int closer_done;

/* Closes watched fds from another thread while the loop rebuilds. */
static void *closer(void *arg) {
  int32_t *fds = arg;
  int i;
  for (i = 0; i < 32; i++)
    el_fd_close(fds[i]);
  atomic_store(&closer_done, 1);
  return NULL;
}

static void orphans(void) {
  int32_t id = el_loop_open(), a[2], extra[32], round;
  pthread_t t;

  CHECK(id >= 0);
  for (round = 0; round < 50; round++) {
    int keep, w, i;
    int32_t q[2];
    int gone, gone_w;
    /* Registered, closed behind the loop's back, its number reused by a
     * readable pipe, never re-registered. */
    CHECK(el_fd_pipe(q) == 0);
    gone = q[0];
    CHECK(el_poller_ctl(id, EL_CTL_ADD, gone, EL_READ) == 0);
    close(gone);
    close(q[1]);
    gone_w = reuse(gone);
    CHECK(write(gone_w, "z", 1) == 1);
    CHECK(el_fd_socketpair(a) == 0);
    keep = dup(a[0]); /* another library's copy */
    CHECK(el_poller_ctl(id, EL_CTL_ADD, a[0], EL_READ) == 0);
    close(a[0]); /* behind the loop's back: epoll keeps the entry */
    w = reuse(a[0]);
    /* Re-registered: the old entry lingers, with an old generation. */
    CHECK(el_poller_ctl(id, EL_CTL_ADD, a[0], EL_READ) == 0);
    CHECK(write(a[1], "x", 1) == 1); /* the old file turns readable */
    for (i = 0; i < 32; i++) {
      int32_t p[2];
      CHECK(el_fd_pipe(p) == 0);
      CHECK(el_poller_ctl(id, EL_CTL_ADD, p[0], EL_READ) == 0);
      close(p[1]); /* a hang-up: reported until removed */
      extra[i] = p[0];
    }
    atomic_store(&closer_done, 0);
    CHECK(pthread_create(&t, NULL, closer, extra) == 0);
    /* Never reported under the old number, whatever the other thread
     * closes meanwhile; the rebuild drops the orphan for good. */
    while (!atomic_load(&closer_done))
      CHECK(events_of(id, a[0]) == 0);
    pthread_join(t, NULL);
    CHECK(events_of(id, a[0]) == 0);
    /* The rebuild left out a number closed and reused by a file nobody
     * registered: that file's readiness is not the old watch's. */
    CHECK(events_of(id, gone) == 0);
    CHECK(write(w, "y", 1) == 1);
    CHECK(events_of(id, a[0]) == EL_READ);
    el_fd_close(a[0]);
    el_fd_close(w);
    el_fd_close(a[1]);
    close(keep);
    CHECK(el_poller_ctl(id, EL_CTL_DEL, gone, 0) == -ENOENT);
    el_fd_close(gone);
    el_fd_close(gone_w);
  }
  CHECK(el_loop_close(id) == 0);
}

int main(void) {
  char backend[16] = {0};
  el_backend_name(backend, sizeof(backend));
  retries();
  /* epoll only: libkqueue opens private fds of its own with each kqueue,
   * which are not the loop's; a native kqueue has no orphaned entries. */
  if (strcmp(backend, "epoll") == 0) {
    own_fds();
    orphans();
  }
  if (failures != 0) {
    fprintf(stderr, "%d failures\n", failures);
    return 1;
  }
  printf("all ok\n");
  return 0;
}
