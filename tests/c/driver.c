/* driver.c: exercises the inbox from native threads only, so the whole
 * path can run under ThreadSanitizer (-DEVLOOP_TSAN=ON) without a JS
 * runtime: 4 pthreads x 100,000 posts drained by this thread through
 * el_poller_wait, posts racing with el_loop_close, and the limit.
 * Prints posts per second; exits non-zero on any failure. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../csrc/evloop.h"
#include "check.h"
#include "pummel.h"

#define THREADS 4

static uint32_t get_u32le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* Drains what was queued when called, checking each producer's order. */
static int drain(int32_t id, uint8_t *buf, int32_t len, int32_t *next,
                 int32_t *seen) {
  int32_t pending = el_inbox_count(id), n, k, t, i;
  uint32_t off, mlen;
  char text[64];

  while (pending > 0) {
    n = el_inbox_drain(id, buf, len, pending);
    if (n <= 0)
      return n;
    off = 0;
    for (k = 0; k < n; k++) {
      mlen = get_u32le(buf + off);
      if (mlen >= sizeof(text))
        return -EMSGSIZE;
      memcpy(text, buf + off + 4, mlen);
      text[mlen] = '\0';
      off += 4 + mlen;
      if (sscanf(text, "[\"tick\",%d,%d]", &t, &i) != 2 || t < 0 ||
          t >= THREADS)
        return -EPROTO;
      if (i != next[t]) {
        fprintf(stderr, "producer %d: got %d, expected %d\n", t, i, next[t]);
        return -EPROTO;
      }
      next[t]++;
      (*seen)++;
    }
    pending -= n;
  }
  return 0;
}

static void pummel(int32_t per_thread) {
  static uint8_t buf[64 * 1024];
  int32_t pairs[2 * 64];
  int32_t next[THREADS] = {0}, seen = 0, total = THREADS * per_thread;
  int32_t id = el_loop_open(), n, k, refused, wakes = 0;
  double t0, ms;

  CHECK(id >= 0);
  t0 = el_now_ms();
  CHECK(pummel_start_with(el_inbox_post, id, THREADS, per_thread) == 0);
  while (seen < total) {
    n = el_poller_wait(id, pairs, 64, 1000);
    CHECK(n >= 0);
    if (n <= 0)
      break;
    for (k = 0; k < n; k++)
      if (pairs[2 * k] == -1)
        wakes++;
    CHECK(drain(id, buf, sizeof(buf), next, &seen) == 0);
  }
  refused = pummel_join();
  ms = el_now_ms() - t0;
  CHECK(refused >= 0);
  CHECK(seen == total);
  for (k = 0; k < THREADS; k++)
    CHECK(next[k] == per_thread);
  CHECK(el_inbox_count(id) == 0);
  printf("native pummel: %d threads x %d posts delivered in %.1f ms "
         "(%.0f posts/s; %d wakes; %d refused and retried)\n",
         THREADS, per_thread, ms, total / (ms / 1e3), wakes, refused);
  CHECK(el_loop_close(id) == 0);
}

/* Posts race with el_loop_close: each post must return 0 or -ESTALE. */
static void *race_poster(void *arg) {
  int32_t id = *(int32_t *)arg, r;
  int i;

  for (i = 0; i < 100000; i++) {
    r = el_inbox_post(id, (const uint8_t *)"[\"x\"]", 5);
    if (r == -ESTALE)
      return NULL;
    if (r != 0 && r != -EAGAIN)
      return (void *)(intptr_t)r;
  }
  return NULL;
}

static void race_with_close(void) {
  pthread_t threads[THREADS];
  void *result;
  int32_t id = el_loop_open();
  int k;

  CHECK(id >= 0);
  for (k = 0; k < THREADS; k++)
    pthread_create(&threads[k], NULL, race_poster, &id);
  /* Let some posts land, then close while they continue. */
  while (el_inbox_count(id) < 1000)
    ;
  CHECK(el_loop_close(id) == 0);
  for (k = 0; k < THREADS; k++) {
    pthread_join(threads[k], &result);
    CHECK(result == NULL);
  }
  CHECK(el_inbox_post(id, (const uint8_t *)"[\"x\"]", 5) == -ESTALE);
  CHECK(el_inbox_count(id) == -ESTALE);
  printf("race with close: ok\n");
}

static void limits(void) {
  uint8_t buf[256];
  int32_t id = el_loop_open(), k;
  const uint8_t *m = (const uint8_t *)"[\"x\",1]";
  /* 11 bytes of its own: posting 11 from the 7-byte m over-reads it. */
  static const char big[] = "[\"x\",12345]";

  CHECK(id >= 0);
  CHECK(el_inbox_set_limit(id, 3, 1000) == 0);
  for (k = 0; k < 3; k++)
    CHECK(el_inbox_post(id, m, 7) == 0);
  CHECK(el_inbox_post(id, m, 7) == -EAGAIN);
  CHECK(el_inbox_count(id) == 3);
  CHECK(el_inbox_drain(id, buf, sizeof(buf), 1) == 1);
  CHECK(get_u32le(buf) == 7 && memcmp(buf + 4, m, 7) == 0);
  CHECK(el_inbox_post(id, m, 7) == 0);
  CHECK(el_inbox_set_limit(id, 100, 10) == 0);
  CHECK(el_inbox_post(id, (const uint8_t *)big, sizeof(big) - 1) == -EMSGSIZE);
  CHECK(el_inbox_post(id, m, 7) == -EAGAIN); /* 21 bytes queued > 10 */
  CHECK(el_inbox_drain(id, buf, 8, 10) == -ENOBUFS && get_u32le(buf) == 11);
  CHECK(el_inbox_drain(id, buf, sizeof(buf), 10) == 3);
  CHECK(el_inbox_post(id, m, 7) == 0);
  CHECK(el_inbox_post(id, m, 0) == -EINVAL);
  CHECK(el_inbox_set_limit(id, 0, 10) == -EINVAL);
  /* Left queued on purpose: close frees it (LeakSanitizer/valgrind). */
  CHECK(el_loop_close(id) == 0);
  printf("limits: ok\n");
}

int main(int argc, char **argv) {
  int32_t per = argc > 1 ? atoi(argv[1]) : 100000;

  limits();
  race_with_close();
  pummel(per);
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all ok\n");
  return 0;
}
