/* pummel.c: native threads that post to a loop's inbox as fast as they can,
 * for tests/cross_thread_test.ts (loaded over FFI) and tests/c/driver.c.
 * Built by CMake as its own library; never shipped with the shim. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "pummel.h"

#define MAX_THREADS 64

struct producer {
  pthread_t thread;
  int32_t index;
};

static struct producer producers[MAX_THREADS];
static int32_t nthreads;
static int32_t per;
static int32_t loop_id;
static pummel_post_fn post_fn;
static void *lib_handle;
static atomic_int refused;
static atomic_int failure;
static double started, finished_max;
static pthread_mutex_t finish_mu = PTHREAD_MUTEX_INITIALIZER;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *produce(void *arg) {
  struct producer *p = arg;
  char msg[64];
  int32_t i, len, r;
  double done;

  for (i = 0; i < per; i++) {
    len = snprintf(msg, sizeof(msg), "[\"tick\",%d,%d]", p->index, i);
    for (;;) {
      r = post_fn(loop_id, (const uint8_t *)msg, len);
      if (r != -EAGAIN)
        break;
      /* Full: the loop has not drained yet. Back off, then retry. */
      atomic_fetch_add(&refused, 1);
      sched_yield();
    }
    if (r < 0) {
      int expected = 0;
      atomic_compare_exchange_strong(&failure, &expected, r);
      return NULL;
    }
  }
  done = now_ms();
  pthread_mutex_lock(&finish_mu);
  if (done > finished_max)
    finished_max = done;
  pthread_mutex_unlock(&finish_mu);
  return NULL;
}

int32_t pummel_start_with(pummel_post_fn post, int32_t id, int32_t threads,
                          int32_t per_thread) {
  int32_t i;
  int err;

  if (threads < 1 || threads > MAX_THREADS || per_thread < 0)
    return -EINVAL;
  post_fn = post;
  loop_id = id;
  per = per_thread;
  atomic_store(&refused, 0);
  atomic_store(&failure, 0);
  started = now_ms();
  finished_max = started;
  for (i = 0; i < threads; i++) {
    producers[i].index = i;
    err = pthread_create(&producers[i].thread, NULL, produce, &producers[i]);
    if (err != 0) {
      nthreads = i;
      pummel_join();
      return -err;
    }
  }
  nthreads = threads;
  return 0;
}

int32_t pummel_start(const char *lib_path, int32_t id, int32_t threads,
                     int32_t per_thread) {
  /* RTLD_NOLOAD: only the instance the runtime already loaded will do; a
   * second copy of the shim would have its own (empty) loop table. */
  void *lib = dlopen(lib_path, RTLD_NOW | RTLD_NOLOAD);
  void *sym;

  if (lib == NULL)
    return -ENOENT;
  sym = dlsym(lib, "el_inbox_post");
  if (sym == NULL) {
    dlclose(lib);
    return -ENOSYS;
  }
  lib_handle = lib;
  return pummel_start_with((pummel_post_fn)sym, id, threads, per_thread);
}

int32_t pummel_join(void) {
  int32_t i;
  int f;

  for (i = 0; i < nthreads; i++)
    pthread_join(producers[i].thread, NULL);
  nthreads = 0;
  if (lib_handle != NULL) {
    dlclose(lib_handle);
    lib_handle = NULL;
  }
  f = atomic_load(&failure);
  return f < 0 ? f : atomic_load(&refused);
}

double pummel_elapsed_ms(void) { return finished_max - started; }
