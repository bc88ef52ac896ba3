/* curl_multi_socket.c: the curl case's second C reference: the same
 * multi_socket wiring as examples/curl_multi.ts (CURLMOPT_SOCKETFUNCTION
 * and TIMERFUNCTION, curl_multi_socket_action, curl_multi_info_read), on a
 * plain epoll loop in C. Against curl_multi_poll it shows what the
 * multi_socket path itself costs; against evloop, what JavaScript costs.
 * Usage: curl_multi_socket PORT SIZE TRANSFERS CONCURRENCY BATCHES;
 * prints {"ms": wall ms, "cpu_ms": CPU ms, per batch}. */
#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "common.h"

static int epfd;
static long timeout_ms = -1; /* curl's timer: -1 none, else ms from set_at */
static double timer_set_at;

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* CURLMOPT_SOCKETFUNCTION: socketp remembers whether s is registered. */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp) {
  CURLM *multi = userp;
  struct epoll_event ev = {0};
  (void)easy;
  ev.data.fd = s;
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, s, NULL);
    curl_multi_assign(multi, s, NULL);
    return 0;
  }
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
              (what & CURL_POLL_OUT ? EPOLLOUT : 0);
  epoll_ctl(epfd, socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev);
  curl_multi_assign(multi, s, (void *)1);
  return 0;
}

/* CURLMOPT_TIMERFUNCTION */
static int on_timer(CURLM *multi, long ms, void *userp) {
  (void)multi;
  (void)userp;
  timeout_ms = ms;
  timer_set_at = now_us();
  return 0;
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
  curl_easy_setopt(s->easy, CURLOPT_URL, url);
  curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, &s->got);
  curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
  curl_multi_add_handle(multi, s->easy);
}

static void batch(CURLM *multi, struct slot *slots, const char *url,
                  int transfers, int concurrency, size_t size) {
  int started = 0, done = 0, running = 0;
  struct epoll_event evs[64];
  for (; started < concurrency && started < transfers; started++)
    start(multi, &slots[started], url);
  while (done < transfers) {
    int wait = -1;
    if (timeout_ms >= 0) {
      double left = (double)timeout_ms - (now_us() - timer_set_at) / 1000.0;
      wait = left <= 0 ? 0 : (int)left + 1;
    }
    int k = epoll_wait(epfd, evs, 64, wait);
    if (k == 0 && timeout_ms >= 0) {
      timeout_ms = -1;
      curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    for (int i = 0; i < k; i++) {
      int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                  (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                  (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
      curl_multi_socket_action(multi, evs[i].data.fd, flags, &running);
    }
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
  }
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: curl_multi_socket PORT SIZE TRANSFERS CONCURRENCY BATCHES\n");
    return 2;
  }
  int port = atoi(argv[1]);
  size_t size = (size_t)atol(argv[2]);
  int transfers = atoi(argv[3]), concurrency = atoi(argv[4]);
  int batches = atoi(argv[5]);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  CURLM *multi = curl_multi_init();
  struct slot *slots = calloc((size_t)concurrency, sizeof(*slots));
  if (epfd == -1 || multi == NULL || slots == NULL)
    die("init");
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, multi);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
  /* Options set once per easy handle, as examples/curl_multi.ts does. */
  for (int i = 0; i < concurrency; i++) {
    slots[i].easy = curl_easy_init();
    curl_easy_setopt(slots[i].easy, CURLOPT_PROXY, "");
    curl_easy_setopt(slots[i].easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(slots[i].easy, CURLOPT_WRITEFUNCTION, on_write);
  }

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
