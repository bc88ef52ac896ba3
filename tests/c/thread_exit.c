/* thread_exit.c: a loop dies with the thread that opened it.
 *
 * A thread that opens a loop, parks it (the waiter thread starts), makes
 * it listen to a signal and returns without el_loop_close leaves nothing
 * behind once joined: the thread-exit destructor closed the loop. The
 * thread teardown hook (what Bun's ArrayBuffer deallocator calls) disarms
 * the waker: a park that ends afterwards calls nothing. A loop closed by
 * another thread while its owner exits is torn down once. A token released
 * after its thread ended disarms nothing, even when a new thread got the
 * same pthread_t (glibc reuses them at once).
 *
 * Built as evloop_test_thread_exit (CTest); run by tests/loop_race_test.ts
 * and under ThreadSanitizer by scripts/ci/tsan.sh. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../csrc/evloop.h"
#include "check.h"

#define ROUNDS 200

static atomic_int waker_calls;

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void waker(int32_t id, int32_t result) {
  (void)id;
  (void)result;
  atomic_fetch_add(&waker_calls, 1);
}

/* Opens a loop, parks it for ever, listens to SIGUSR2, and leaves. */
static void *abandon(void *arg) {
  int32_t id = el_loop_open();

  CHECK(id >= 0);
  CHECK(el_loop_set_waker(id, waker) == 0);
  CHECK(el_loop_park(id, -1) == 0);
  CHECK(el_signal_add(id, SIGUSR2) == 0);
  *(int32_t *)arg = id;
  return NULL;
}

/* Disarms its own wakers through the teardown hook, then lets a park end
 * (a 5 ms timeout) before it leaves. */
static void *disarm_then_leave(void *arg) {
  uint64_t hook[2];
  void (*release)(void *, void *);
  int32_t id = el_loop_open();

  (void)arg;
  CHECK(id >= 0);
  CHECK(el_loop_set_waker(id, waker) == 0);
  CHECK(el_thread_teardown_hook(hook) == 0);
  release = (void (*)(void *, void *))(uintptr_t)hook[1];
  release((void *)(uintptr_t)hook[0], NULL);
  CHECK(el_loop_park(id, 5) == -EINVAL); /* no waker any more */
  sleep_ms(20);
  return NULL;
}

static uint64_t old_hook[2];

/* Arms the teardown hook and leaves without releasing it. */
static void *arm_and_leave(void *arg) {
  (void)arg;
  CHECK(el_thread_teardown_hook(old_hook) == 0);
  CHECK(el_thread_teardown_hook(old_hook + 0) == -EEXIST);
  return NULL;
}

static pthread_barrier_t step;

/* Opens a loop while the old token is released, then parks: its waker
 * must still run. */
static void *park_after_old_release(void *arg) {
  int32_t id = el_loop_open();

  (void)arg;
  CHECK(id >= 0);
  CHECK(el_loop_set_waker(id, waker) == 0);
  pthread_barrier_wait(&step); /* the main thread releases the token */
  pthread_barrier_wait(&step);
  CHECK(el_loop_park(id, 5) == 0);
  sleep_ms(50);
  return NULL;
}

struct race {
  pthread_barrier_t ready;
  _Atomic int32_t id;
};

/* Opens a loop and leaves while the main thread closes it. */
static void *leave_racing_close(void *arg) {
  struct race *r = arg;
  int32_t id = el_loop_open();

  CHECK(id >= 0);
  CHECK(el_loop_set_waker(id, waker) == 0);
  CHECK(el_loop_park(id, -1) == 0);
  atomic_store(&r->id, id);
  pthread_barrier_wait(&r->ready);
  return NULL;
}

int main(void) {
  pthread_t t;
  struct race race;
  int32_t id = -1;
  int i, fds_before = open_fds(), closed_here = 0;

  for (i = 0; i < ROUNDS; i++) {
    pthread_create(&t, NULL, abandon, &id);
    pthread_join(t, NULL);
    /* The destructor ran before the join returned. */
    CHECK(el_loop_count() == 0);
    CHECK(el_loop_wake(id) == -ESTALE);
    CHECK(el_signal_installed(SIGUSR2) == 0);
  }
  CHECK(open_fds() == fds_before);

  atomic_store(&waker_calls, 0);
  for (i = 0; i < 20; i++) {
    pthread_create(&t, NULL, disarm_then_leave, NULL);
    pthread_join(t, NULL);
  }
  CHECK(atomic_load(&waker_calls) == 0);
  CHECK(el_loop_count() == 0);

  {
    pthread_t a, b;
    void (*release)(void *, void *);
    int reused;

    pthread_create(&a, NULL, arm_and_leave, NULL);
    pthread_join(a, NULL);
    release = (void (*)(void *, void *))(uintptr_t)old_hook[1];
    atomic_store(&waker_calls, 0);
    pthread_barrier_init(&step, NULL, 2);
    pthread_create(&b, NULL, park_after_old_release, NULL);
    reused = pthread_equal(a, b);
    pthread_barrier_wait(&step);
    release((void *)(uintptr_t)old_hook[0], NULL);
    pthread_barrier_wait(&step);
    pthread_join(b, NULL);
    pthread_barrier_destroy(&step);
    CHECK(atomic_load(&waker_calls) == 1);
    printf("a token released after its thread ended: the next thread's waker "
           "still ran (same pthread_t: %s)\n", reused ? "yes" : "no");
  }
  CHECK(el_loop_count() == 0);

  pthread_barrier_init(&race.ready, NULL, 2);
  for (i = 0; i < ROUNDS; i++) {
    pthread_create(&t, NULL, leave_racing_close, &race);
    pthread_barrier_wait(&race.ready);
    if (el_loop_close(atomic_load(&race.id)) == 0)
      closed_here++;
    pthread_join(t, NULL);
    CHECK(el_loop_count() == 0);
  }
  pthread_barrier_destroy(&race.ready);
  CHECK(open_fds() == fds_before);

  printf("thread exit: %d abandoned loops closed by their thread's exit, "
         "20 disarmed wakers never called, %d closes raced with an exit "
         "(%d won by the closer); fds %d -> %d\n",
         ROUNDS, ROUNDS, closed_here, fds_before, open_fds());
  if (atomic_load(&failures) != 0) {
    fprintf(stderr, "%d check(s) failed\n", atomic_load(&failures));
    return 1;
  }
  printf("all ok\n");
  return 0;
}
