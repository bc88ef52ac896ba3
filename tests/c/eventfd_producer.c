/* eventfd_producer.c: native threads that signal an eventfd, for
 * examples/eventfd_thread.ts (a test helper, not part of the shim).
 *
 * A C library that reports work from its own threads usually does it this
 * way: it writes to an eventfd the event loop watches. Each thread adds
 * `1, 2, ..., per_thread` (a known sum), waiting with poll(2) whenever the
 * counter is full (a non-blocking eventfd refuses a write that would pass
 * 0xfffffffffffffffe, and in semaphore mode the reader drains slowly). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 16

typedef struct {
  pthread_t thread;
  int32_t fd;
  int32_t per_thread;
  int32_t error; /* 0, or the errno that stopped the thread */
  int32_t waits; /* times the counter was full and poll(2) waited */
} producer_t;

static producer_t producers[MAX_THREADS];
static int32_t running;

static int32_t add(int32_t fd, uint64_t value, int32_t *waits) {
  for (;;) {
    if (write(fd, &value, sizeof value) == (ssize_t)sizeof value)
      return 0;
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN)
      return errno;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    (*waits)++;
    if (poll(&p, 1, -1) < 0 && errno != EINTR)
      return errno;
  }
}

static void *produce(void *arg) {
  producer_t *p = arg;
  for (int32_t i = 1; i <= p->per_thread && p->error == 0; i++)
    p->error = add(p->fd, (uint64_t)i, &p->waits);
  return NULL;
}

/* Starts `threads` threads that each add 1..per_thread to eventfd `fd`.
 * Returns 0, or -errno (-EBUSY while a run is going, -EINVAL for bad
 * counts). */
int32_t efp_start(int32_t fd, int32_t threads, int32_t per_thread) {
  if (running > 0)
    return -EBUSY;
  if (threads < 1 || threads > MAX_THREADS || per_thread < 0)
    return -EINVAL;
  for (int32_t t = 0; t < threads; t++) {
    producers[t] = (producer_t){.fd = fd, .per_thread = per_thread};
    int r = pthread_create(&producers[t].thread, NULL, produce, &producers[t]);
    if (r != 0) {
      running = t;
      return -r;
    }
  }
  running = threads;
  return 0;
}

/* Joins the threads. Returns how many times they waited for room, or the
 * first thread's -errno. */
int32_t efp_join(void) {
  int32_t waits = 0, error = 0;
  for (int32_t t = 0; t < running; t++) {
    pthread_join(producers[t].thread, NULL);
    waits += producers[t].waits;
    if (error == 0 && producers[t].error != 0)
      error = -producers[t].error;
  }
  running = 0;
  return error != 0 ? error : waits;
}
