/* timers.c: the C references for the timer cases, measured in the same
 * round as evloop so each target is a ratio, not an absolute time.
 * - spread N SPAN_MS REPS: a binary-heap timer loop. N timers with the
 *   pseudo-random delays the TypeScript runners use (the same LCG) over
 *   SPAN_MS; the loop fires every due timer, then sleeps until the next
 *   (clock_nanosleep, absolute). Repeated REPS times; prints the CPU time
 *   per timer and the wall time of one round.
 * - cancel N SPAN_MS: N timers scheduled, then each removed from the heap
 *   (an indexed heap: removal is O(log n)); prints the time of both.
 * - lateness K: K timers of 1-10 ms, the loop sleeping on a timerfd armed
 *   at the earliest deadline; prints p50/p99 of fire time minus due time.
 * Usage: timers MODE ...; prints one JSON line. */
#include <math.h>
#include <sys/timerfd.h>

#include "common.h"

typedef struct {
  double when;
  unsigned seq;
} timer_t_;

static timer_t_ *heap;
static unsigned *pos_of; /* seq -> heap index (cancel mode) */
static int size;
static uint32_t lcg_x;

static double lcg(void) {
  lcg_x = lcg_x * 1664525u + 1013904223u;
  return (double)lcg_x / 4294967296.0;
}

static double now_ms(void) { return now_us() / 1e3; }

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int less(const timer_t_ *a, const timer_t_ *b) {
  return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void place(int i, timer_t_ t) {
  heap[i] = t;
  if (pos_of)
    pos_of[t.seq] = (unsigned)i;
}

static void sift_up(int i, timer_t_ t) {
  while (i > 0) {
    int parent = (i - 1) / 2;
    if (!less(&t, &heap[parent]))
      break;
    place(i, heap[parent]);
    i = parent;
  }
  place(i, t);
}

static void sift_down(int i, timer_t_ t) {
  for (;;) {
    int c = 2 * i + 1;
    if (c >= size)
      break;
    if (c + 1 < size && less(&heap[c + 1], &heap[c]))
      c++;
    if (!less(&heap[c], &t))
      break;
    place(i, heap[c]);
    i = c;
  }
  place(i, t);
}

static void push(double when, unsigned seq) {
  timer_t_ t = {when, seq};
  sift_up(size++, t);
}

static void remove_at(int i) {
  timer_t_ last = heap[--size];
  if (i == size)
    return;
  if (i > 0 && less(&last, &heap[(i - 1) / 2]))
    sift_up(i, last);
  else
    sift_down(i, last);
}

static void sleep_until_ms(double when) {
  struct timespec ts;
  double s = when / 1e3;
  ts.tv_sec = (time_t)s;
  ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static volatile long fired;

static void spread_round(int n, double span) {
  for (int i = 0; i < n; i++)
    push(now_ms() + lcg() * span, (unsigned)i);
  while (size > 0) {
    double t = now_ms();
    while (size > 0 && heap[0].when <= t) {
      remove_at(0);
      fired++;
    }
    if (size > 0)
      sleep_until_ms(heap[0].when);
  }
}

/* The index of the p quantile of n sorted values, as the runners take it. */
static int quantile_index(int n, double p) {
  int i = (int)ceil(p * n) - 1;
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  int n = argc > 2 ? atoi(argv[2]) : 0;

  if (n < 1) {
    fprintf(stderr, "usage: timers spread N SPAN_MS REPS | cancel N SPAN_MS | lateness K\n");
    return 2;
  }
  heap = calloc((size_t)n, sizeof(*heap));
  if (heap == NULL)
    die("calloc");
  lcg_x = 1;
  if (strcmp(mode, "spread") == 0) {
    double span = argc > 3 ? atof(argv[3]) : 1000;
    int reps = argc > 4 ? atoi(argv[4]) : 1;
    double c0, w0, w1;
    /* Warm-up: page in the heap. */
    spread_round(n / 10 > 0 ? n / 10 : 1, span / 10);
    c0 = cpu_ms();
    w0 = now_ms();
    for (int r = 0; r < reps; r++)
      spread_round(n, span);
    w1 = now_ms();
    if (fired < (long)n * reps)
      die("timers lost");
    printf("{\"cpu_ns\":%.2f,\"wall_ms\":%.3f}\n",
           (cpu_ms() - c0) * 1e6 / ((double)n * reps), (w1 - w0) / reps);
  } else if (strcmp(mode, "cancel") == 0) {
    double span = argc > 3 ? atof(argv[3]) : 1000, t0, t1;
    pos_of = calloc((size_t)n, sizeof(*pos_of));
    if (pos_of == NULL)
      die("calloc");
    t0 = now_ms();
    for (int i = 0; i < n; i++)
      push(now_ms() + lcg() * span, (unsigned)i);
    for (int i = 0; i < n; i++)
      remove_at((int)pos_of[i]);
    t1 = now_ms();
    printf("{\"ms\":%.3f}\n", t1 - t0);
  } else if (strcmp(mode, "lateness") == 0) {
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    double *due = calloc((size_t)n, sizeof(double));
    double *late = calloc((size_t)n, sizeof(double));
    if (tfd == -1 || due == NULL || late == NULL)
      die("timerfd/calloc");
    for (int round = 0; round < 2; round++) { /* the first is a warm-up */
      int got = 0;
      lcg_x = 1;
      for (int i = 0; i < n; i++) {
        double delay = 1 + 9 * lcg();
        due[i] = now_ms() + delay;
        push(due[i], (unsigned)i);
      }
      while (size > 0) {
        double t = now_ms();
        while (size > 0 && heap[0].when <= t) {
          late[got++] = t - due[heap[0].seq];
          remove_at(0);
        }
        if (size > 0) {
          struct itimerspec its;
          uint64_t ticks;
          double s = heap[0].when / 1e3;
          memset(&its, 0, sizeof(its));
          its.it_value.tv_sec = (time_t)s;
          its.it_value.tv_nsec = (long)((s - (double)its.it_value.tv_sec) * 1e9);
          if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
            its.it_value.tv_nsec = 1;
          if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
            die("timerfd_settime");
          if (read(tfd, &ticks, sizeof(ticks)) == -1 && errno != EINTR)
            die("read timerfd");
        }
      }
      qsort(late, (size_t)got, sizeof(double), cmp_double);
      if (round == 1)
        printf("{\"p50_ms\":%.4f,\"p99_ms\":%.4f}\n", late[quantile_index(got, 0.5)],
               late[quantile_index(got, 0.99)]);
    }
  } else {
    fprintf(stderr, "timers: unknown mode %s\n", mode);
    return 2;
  }
  return 0;
}
