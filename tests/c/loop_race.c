/* loop_race.c: loops opened and closed on several threads at once.
 *
 * Each of THREADS threads opens a loop, watches a pipe, waits on it, and
 * closes it, ROUNDS times, while it also wakes and posts to the ids the
 * other threads closed a moment ago (stale ids: -ESTALE, never another
 * loop). Before slots were reusable only after their teardown, a closer
 * closed the fds of the loop that had just reused its slot: -EBADF from
 * open and wait, and fds leaked by the thousand.
 *
 * Built as evloop_test_loop_race (CMake registers every tests/c program
 * with CTest); run by tests/loop_race_test.ts (npm test) and under
 * ThreadSanitizer by scripts/ci/tsan.sh. Usage: evloop_test_loop_race
 * [rounds]. Exits non-zero
 * on any failure; prints the rounds run. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../csrc/evloop.h"
#include "check.h"

#define THREADS 4

static int rounds = 2000;
/* The id each thread closed last: the others use it stale. */
static _Atomic int32_t last_closed[THREADS];

static void *churn(void *arg) {
  int self = (int)(intptr_t)arg, i, k, n, r;
  int32_t pipe_fds[2], pairs[16], id, stale;
  uint8_t byte = 1;

  CHECK(el_fd_pipe(pipe_fds) == 0);
  for (i = 0; i < rounds; i++) {
    id = el_loop_open();
    CHECK(id >= 0);
    if (id < 0)
      continue;
    CHECK(el_poller_ctl(id, EL_CTL_ADD, pipe_fds[0], EL_READ) == 0);
    CHECK(el_poller_wait(id, pairs, 8, 0) == 0);
    CHECK(el_fd_write(pipe_fds[1], &byte, 1) == 1);
    n = el_poller_wait(id, pairs, 8, 1000);
    CHECK(n == 1 && pairs[0] == pipe_fds[0] && (pairs[1] & EL_READ));
    CHECK(el_fd_read(pipe_fds[0], &byte, 1) == 1);
    /* Stale ids of the other threads reach nothing, whatever loop now
     * holds their slot. */
    for (k = 0; k < THREADS; k++) {
      stale = atomic_load(&last_closed[k]);
      if (k == self || stale == 0)
        continue;
      r = el_loop_wake(stale);
      CHECK(r == -ESTALE);
      r = el_inbox_post(stale, (const uint8_t *)"[\"x\"]", 5);
      CHECK(r == -ESTALE);
    }
    CHECK(el_inbox_count(id) == 0);
    CHECK(el_loop_close(id) == 0);
    CHECK(el_loop_close(id) == -ESTALE);
    atomic_store(&last_closed[self], id);
  }
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  return NULL;
}

int main(int argc, char **argv) {
  pthread_t threads[THREADS];
  int k, fds_before, fds_after;
  double t0;

  if (argc > 1)
    rounds = atoi(argv[1]);
  fds_before = open_fds();
  t0 = el_now_ms();
  for (k = 0; k < THREADS; k++)
    pthread_create(&threads[k], NULL, churn, (void *)(intptr_t)k);
  for (k = 0; k < THREADS; k++)
    pthread_join(threads[k], NULL);
  fds_after = open_fds();
  CHECK(el_loop_count() == 0);
  CHECK(fds_after == fds_before);
  printf("loop race: %d threads x %d open/wait/close rounds in %.0f ms; "
         "loops open after: %d; fds %d -> %d\n",
         THREADS, rounds, el_now_ms() - t0, el_loop_count(), fds_before,
         fds_after);
  if (atomic_load(&failures) != 0) {
    fprintf(stderr, "%d check(s) failed\n", atomic_load(&failures));
    return 1;
  }
  printf("all ok\n");
  return 0;
}
