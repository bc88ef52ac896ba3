/* curl_multi_poll.c: the limit for the curl case: libcurl's own event
 * loop (curl_multi_perform + curl_multi_poll), no FFI, no JavaScript.
 * Runs BATCHES batches of TRANSFERS transfers, CONCURRENCY at a time, from
 * http://127.0.0.1:PORT/ on one multi handle (connections stay warm, as
 * they do for the other variants), checks each body's length, and prints
 * {"ms": wall ms, "cpu_ms": CPU ms, per batch} after one warm-up batch.
 * Usage: curl_multi_poll PORT SIZE TRANSFERS CONCURRENCY BATCHES */
#include <curl/curl.h>
#include <sys/resource.h>

#include "common.h"

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static size_t on_write(char *data, size_t size, size_t n, void *user) {
  (void)data;
  *(size_t *)user += size * n;
  return size * n;
}

struct slot {
  CURL *easy;
  size_t got;
};

static void start(CURLM *multi, struct slot *s, const char *url) {
  s->got = 0;
  curl_easy_reset(s->easy);
  curl_easy_setopt(s->easy, CURLOPT_URL, url);
  curl_easy_setopt(s->easy, CURLOPT_PROXY, "");
  curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, &s->got);
  curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
  curl_multi_add_handle(multi, s->easy);
}

static void batch(CURLM *multi, struct slot *slots, const char *url,
                  int transfers, int concurrency, size_t size) {
  int started = 0, done = 0, running = 0;
  for (; started < concurrency && started < transfers; started++)
    start(multi, &slots[started], url);
  while (done < transfers) {
    if (curl_multi_perform(multi, &running) != CURLM_OK)
      die("curl_multi_perform");
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(multi, &left)) != NULL) {
      if (m->msg != CURLMSG_DONE)
        continue;
      struct slot *s;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
      if (m->data.result != CURLE_OK || s->got != size) {
        fprintf(stderr, "transfer failed: %s, %zu bytes\n",
                curl_easy_strerror(m->data.result), s->got);
        exit(1);
      }
      curl_multi_remove_handle(multi, s->easy);
      done++;
      if (started < transfers) {
        start(multi, s, url);
        started++;
      }
    }
    if (done < transfers && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
      die("curl_multi_poll");
  }
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: curl_multi_poll PORT SIZE TRANSFERS CONCURRENCY BATCHES\n");
    return 2;
  }
  int port = atoi(argv[1]);
  size_t size = (size_t)atol(argv[2]);
  int transfers = atoi(argv[3]), concurrency = atoi(argv[4]);
  int batches = atoi(argv[5]);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM *multi = curl_multi_init();
  struct slot *slots = calloc((size_t)concurrency, sizeof(*slots));
  if (multi == NULL || slots == NULL)
    die("init");
  for (int i = 0; i < concurrency; i++)
    slots[i].easy = curl_easy_init();

  batch(multi, slots, url, transfers, concurrency, size); /* warm-up */
  double t0 = now_us(), c0 = cpu_ms();
  for (int b = 0; b < batches; b++)
    batch(multi, slots, url, transfers, concurrency, size);
  double ms = (now_us() - t0) / 1000.0 / batches;
  printf("{\"ms\":%.3f,\"cpu_ms\":%.3f}\n", ms, (cpu_ms() - c0) / batches);

  for (int i = 0; i < concurrency; i++)
    curl_easy_cleanup(slots[i].easy);
  curl_multi_cleanup(multi);
  free(slots);
  curl_global_cleanup();
  return 0;
}
