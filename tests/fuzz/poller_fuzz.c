/* poller_fuzz.c: libFuzzer harness for the poller on real pipes.
 *
 * Each input is a program of operations on one loop and four pipes:
 * el_poller_ctl ADD/MOD/DEL with any interest, writes and reads that move
 * the pipes' levels, el_fd_close of either end, a new pipe in its place
 * (the kernel hands out the numbers just freed, so a stale registration
 * would show), wakes, and el_poller_wait(timeout 0) checked against a model
 * of what is watched and what is ready:
 * - no fd is reported that is not watched, none twice, and no event is
 *   reported that was not asked for (READ, WRITE, PRI) or is impossible;
 * - with room for every pair, every ready watched fd is reported (the
 *   poller is level-triggered), and the wake pseudo-event exactly when a
 *   wake is pending;
 * - after each input every fd is closed: the open fds are the ones open
 *   before it, and no loop is left (el_loop_count).
 * Built by CMake with -DEVLOOP_FUZZ=ON (scripts/ci/fuzz.sh). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../csrc/evloop.h"

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,      \
              #cond);                                                         \
      abort();                                                                \
    }                                                                         \
  } while (0)

#define PIPES 4
#define ENDS (2 * PIPES) /* end 2p reads pipe p, end 2p + 1 writes it */
#define FD_SCAN 256      /* fds checked for leaks */
#define MAX_PAIRS 64

struct end {
  int fd;          /* -1 once closed */
  int watched;     /* registered with the loop (as the model knows it) */
  uint32_t events; /* its interest while watched */
};

struct state {
  int32_t id;
  struct end ends[ENDS];
  uint32_t queued[PIPES]; /* bytes in each pipe */
  int wake_pending;
};


static uint32_t take(const uint8_t *data, size_t size, size_t *pos) {
  return *pos < size ? data[(*pos)++] : 0;
}

static void new_pipe(struct state *s, int p) {
  int32_t fds[2];
  CHECK(el_fd_pipe(fds) == 0);
  s->ends[2 * p] = (struct end){fds[0], 0, 0};
  s->ends[2 * p + 1] = (struct end){fds[1], 0, 0};
  s->queued[p] = 0;
}

static void close_end(struct state *s, int e) {
  if (s->ends[e].fd < 0)
    return;
  CHECK(el_fd_close(s->ends[e].fd) == 0);
  s->ends[e] = (struct end){-1, 0, 0};
  if (e % 2 == 0)
    s->queued[e / 2] = 0; /* the data went with the read end */
}

static void ctl(struct state *s, int e, int op, uint32_t events) {
  struct end *end = &s->ends[e];
  int32_t got;

  if (end->fd < 0)
    return;
  got = el_poller_ctl(s->id, op, end->fd, events);
  switch (op) {
  case EL_CTL_ADD:
    /* A second ADD may fail EEXIST or be taken as a MOD; a first must
     * succeed. */
    CHECK(got == 0 || (end->watched && got == -EEXIST));
    break;
  case EL_CTL_MOD:
    /* A MOD of an unwatched fd may fail ENOENT or be taken as an ADD. */
    CHECK(got == 0 || (!end->watched && got == -ENOENT));
    break;
  default:
    /* A DEL of a watched fd must succeed. */
    CHECK(got == 0 || (!end->watched && got == -ENOENT));
    break;
  }
  if (got == 0) {
    end->watched = op != EL_CTL_DEL;
    end->events = op != EL_CTL_DEL ? events : 0;
  }
}

/* The events a watched end must report now (level-triggered). */
static uint32_t expected(const struct state *s, int e) {
  const struct end *end = &s->ends[e];
  int p = e / 2;
  uint32_t ev = 0;

  if (e % 2 == 0) {
    /* Readable only with data in it; a hang-up once no writer is left. */
    if ((end->events & EL_READ) && s->queued[p] > 0)
      ev |= EL_READ;
    if (s->ends[e + 1].fd < 0)
      ev |= EL_HUP;
  } else {
    /* Writable (the pipes never fill: a few KiB at most); an error once
     * no reader is left. */
    if (end->events & EL_WRITE)
      ev |= EL_WRITE;
    if (s->ends[e - 1].fd < 0)
      ev |= EL_ERR;
  }
  return ev;
}

static void wait_and_check(struct state *s, int32_t max) {
  int32_t *out = malloc(sizeof(int32_t) * 2 * (size_t)max);
  uint32_t seen[ENDS] = {0};
  int32_t n, k, e;
  int woke = 0, pending = s->wake_pending;

  CHECK(out != NULL);
  n = el_poller_wait(s->id, out, max, 0);
  CHECK(n >= 0 && n <= max);
  for (k = 0; k < n; k++) {
    int32_t fd = out[2 * k];
    uint32_t ev = (uint32_t)out[2 * k + 1];
    if (fd == -1) {
      CHECK(!woke && pending && (ev & EL_WAKE_WAKE));
      woke = 1;
      continue;
    }
    for (e = 0; e < ENDS; e++)
      if (s->ends[e].fd == fd)
        break;
    CHECK(e < ENDS);           /* one of ours, open */
    CHECK(s->ends[e].watched); /* and watched */
    CHECK(seen[e] == 0);       /* reported once */
    CHECK(ev != 0);
    /* Nothing beyond what was asked for, plus ERR and HUP. */
    CHECK((ev & ~(s->ends[e].events | EL_ERR | EL_HUP)) == 0);
    /* Nothing the pipe cannot be. */
    CHECK((ev & ~expected(s, e)) == 0);
    seen[e] = ev;
  }
  if (woke)
    s->wake_pending = 0;
  /* With room for every pair, everything ready is reported. */
  if (max > ENDS + 1) {
    CHECK(woke == pending);
    for (e = 0; e < ENDS; e++)
      if (s->ends[e].fd >= 0 && s->ends[e].watched)
        CHECK(seen[e] == expected(s, e));
  }
  free(out);
}

static void scan_fds(unsigned char *open_now) {
  int fd;
  for (fd = 0; fd < FD_SCAN; fd++)
    open_now[fd] = fcntl(fd, F_GETFD) != -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  /* A write to a pipe whose reader is closed must be EPIPE, not death. */
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct state s;
  unsigned char open_before[FD_SCAN], open_now[FD_SCAN];
  size_t pos = 0;
  int p, e;

  scan_fds(open_before);
  s.id = el_loop_open();
  CHECK(s.id >= 0);
  s.wake_pending = 0;
  for (p = 0; p < PIPES; p++)
    new_pipe(&s, p);

  while (pos < size) {
    uint32_t op = take(data, size, &pos);
    e = (int)(take(data, size, &pos) % ENDS);
    p = e / 2;
    switch (op % 10) {
    case 0:
      ctl(&s, e, EL_CTL_ADD, take(data, size, &pos) & 7);
      break;
    case 1:
      ctl(&s, e, EL_CTL_MOD, take(data, size, &pos) & 7);
      break;
    case 2:
      ctl(&s, e, EL_CTL_DEL, 0);
      break;
    case 3: { /* write 1..16 bytes into pipe p */
      uint8_t buf[16] = {0};
      int32_t len = (int32_t)(take(data, size, &pos) % 16) + 1, got;
      if (s.ends[2 * p + 1].fd < 0)
        break;
      got = el_fd_write(s.ends[2 * p + 1].fd, buf, len);
      if (s.ends[2 * p].fd < 0) {
        CHECK(got == -EPIPE);
      } else {
        CHECK(got == len);
        s.queued[p] += (uint32_t)len;
      }
      break;
    }
    case 4: { /* read up to 16 bytes from pipe p */
      uint8_t buf[16];
      int32_t len = (int32_t)(take(data, size, &pos) % 16) + 1, got;
      if (s.ends[2 * p].fd < 0)
        break;
      got = el_fd_read(s.ends[2 * p].fd, buf, len);
      if (s.queued[p] > 0) {
        CHECK(got == (int32_t)(s.queued[p] < (uint32_t)len ? s.queued[p]
                                                            : (uint32_t)len));
        s.queued[p] -= (uint32_t)got;
      } else {
        CHECK(got == (s.ends[2 * p + 1].fd < 0 ? 0 : -EAGAIN));
      }
      break;
    }
    case 5:
      close_end(&s, e);
      break;
    case 6: /* a new pipe in place of pipe p: likely the numbers just freed */
      close_end(&s, 2 * p);
      close_end(&s, 2 * p + 1);
      new_pipe(&s, p);
      break;
    case 7:
      CHECK(el_loop_wake(s.id) == 0);
      s.wake_pending = 1;
      break;
    case 8: /* a short buffer: what fits, still nothing wrong */
      wait_and_check(&s, 2 + (int32_t)(take(data, size, &pos) % 4));
      break;
    default:
      wait_and_check(&s, MAX_PAIRS);
      break;
    }
  }
  wait_and_check(&s, MAX_PAIRS);

  for (e = 0; e < ENDS; e++)
    close_end(&s, e);
  CHECK(el_loop_close(s.id) == 0);
  CHECK(el_loop_count() == 0);
  scan_fds(open_now);
  for (e = 0; e < FD_SCAN; e++)
    if (open_now[e] != open_before[e]) {
      char link[64], target[256] = "";
      snprintf(link, sizeof(link), "/proc/self/fd/%d", e);
      if (readlink(link, target, sizeof(target) - 1) < 0) {
      }
      fprintf(stderr, "fd %d (%s) is %s after the input\n", e, target,
              open_now[e] ? "open (leaked)" : "closed (not ours)");
      abort();
    }
  return 0;
}
