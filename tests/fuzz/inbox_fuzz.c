/* inbox_fuzz.c: libFuzzer harness for the cross-thread inbox.
 *
 * Each input is a program of operations on one loop's inbox (post, drain
 * into a buffer of random size, set limits, count, close and reopen),
 * replayed against a model FIFO that holds what the inbox must hold: every
 * return code, every drained record and every count must match it. The
 * drain buffer is allocated at its exact size so ASan sees any write past
 * it; messages left queued are freed by el_loop_close, which LeakSanitizer
 * checks. Built by CMake with -DEVLOOP_FUZZ=ON (scripts/ci/fuzz.sh). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../csrc/evloop.h"

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,      \
              #cond);                                                         \
      abort();                                                                \
    }                                                                         \
  } while (0)

/* The model: a FIFO of (seq, len); a message's bytes follow from both. */
#define MODEL_CAP 8192

struct model {
  uint32_t seq[MODEL_CAP];
  uint32_t len[MODEL_CAP];
  int head, count;
  uint32_t bytes, max_msgs, max_bytes, next_seq;
};

/* Reads the input as a stream of bytes, then zeros. */
struct input {
  const uint8_t *data;
  size_t size, pos;
};

static uint32_t take(struct input *in, int bytes) {
  uint32_t v = 0;
  int i;
  for (i = 0; i < bytes; i++)
    v = v << 8 | (in->pos < in->size ? in->data[in->pos++] : 0);
  return v;
}

static uint8_t byte_of(uint32_t seq, uint32_t i) {
  return (uint8_t)(seq * 131u + i * 7u + (seq >> 8));
}

static void fill(uint8_t *msg, uint32_t seq, uint32_t len) {
  uint32_t i;
  for (i = 0; i < len; i++)
    msg[i] = byte_of(seq, i);
}

static uint32_t get_u32le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void model_reset(struct model *m) {
  m->head = m->count = 0;
  m->bytes = 0;
  m->max_msgs = EL_INBOX_DEFAULT_MSGS;
  m->max_bytes = EL_INBOX_DEFAULT_BYTES;
}

static void post(int32_t id, struct model *m, int32_t len) {
  int32_t expect, got;
  uint8_t *msg;
  uint32_t seq = m->next_seq++;

  /* The model is full (never the inbox first, at its default limits). */
  if (m->count == MODEL_CAP)
    return;
  msg = malloc(len > 0 ? (size_t)len : 1);
  CHECK(msg != NULL);
  if (len > 0)
    fill(msg, seq, (uint32_t)len);
  if (len <= 0)
    expect = -EINVAL;
  else if ((uint32_t)len > m->max_bytes)
    expect = -EMSGSIZE;
  else if ((uint32_t)m->count >= m->max_msgs ||
           m->bytes + (uint32_t)len > m->max_bytes)
    expect = -EAGAIN;
  else
    expect = 0;
  got = el_inbox_post(id, msg, len);
  free(msg);
  CHECK(got == expect);
  if (got == 0) {
    int at = (m->head + m->count) % MODEL_CAP;
    m->seq[at] = seq;
    m->len[at] = (uint32_t)len;
    m->count++;
    m->bytes += (uint32_t)len;
  }
}

static void drain(int32_t id, struct model *m, int32_t len, int32_t max) {
  uint8_t *out = malloc(len > 0 ? (size_t)len : 1);
  int32_t got, expect = 0, k;
  uint32_t used = 0, off = 0;

  CHECK(out != NULL);
  got = el_inbox_drain(id, out, len, max);
  if (len < 4 || max < 0) {
    CHECK(got == -EINVAL);
  } else if (m->count > 0 && 4 + m->len[m->head] > (uint32_t)len) {
    CHECK(got == -ENOBUFS);
    CHECK(get_u32le(out) == 4 + m->len[m->head]);
  } else {
    for (k = 0; k < m->count && expect < max; k++) {
      uint32_t l = m->len[(m->head + k) % MODEL_CAP];
      if (used + 4 + l > (uint32_t)len)
        break;
      used += 4 + l;
      expect++;
    }
    CHECK(got == expect);
    for (k = 0; k < got; k++) {
      uint32_t seq = m->seq[m->head], l = m->len[m->head], i;
      CHECK(get_u32le(out + off) == l);
      for (i = 0; i < l; i++)
        CHECK(out[off + 4 + i] == byte_of(seq, i));
      off += 4 + l;
      m->head = (m->head + 1) % MODEL_CAP;
      m->count--;
      m->bytes -= l;
    }
  }
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct input in = {data, size, 0};
  static struct model m;
  int32_t id = el_loop_open(), stale = -1;

  CHECK(id >= 0);
  model_reset(&m);
  while (in.pos < in.size) {
    switch (take(&in, 1) % 8) {
    case 0: /* a small message (0 is refused) */
      post(id, &m, (int32_t)take(&in, 1) - 1);
      break;
    case 1: /* a large one, to meet the byte limit */
      post(id, &m, (int32_t)take(&in, 2));
      break;
    case 2: /* drain into a buffer of 0..1023 bytes, max -1..14 */
      drain(id, &m, (int32_t)(take(&in, 2) % 1024),
            (int32_t)(take(&in, 1) % 16) - 1);
      break;
    case 3: { /* limits; 0 is refused and changes nothing */
      int32_t msgs = (int32_t)(take(&in, 1) % 12);
      int32_t bytes = (int32_t)take(&in, 2);
      int32_t got = el_inbox_set_limit(id, msgs, bytes);
      if (msgs < 1 || bytes < 1) {
        CHECK(got == -EINVAL);
      } else {
        CHECK(got == 0);
        m.max_msgs = (uint32_t)msgs;
        m.max_bytes = (uint32_t)bytes;
      }
      break;
    }
    case 4:
      CHECK(el_inbox_count(id) == m.count);
      break;
    case 5: /* close with messages queued; the old id goes stale */
      CHECK(el_loop_close(id) == 0);
      stale = id;
      id = el_loop_open();
      CHECK(id >= 0 && id != stale);
      model_reset(&m);
      break;
    case 6: /* a closed loop's id is refused, never followed */
      if (stale >= 0) {
        uint8_t b[8];
        CHECK(el_inbox_post(stale, (const uint8_t *)"[\"x\"]", 5) == -ESTALE);
        CHECK(el_inbox_drain(stale, b, sizeof(b), 1) == -ESTALE);
        CHECK(el_inbox_count(stale) == -ESTALE);
      }
      break;
    default: /* drain all that fits in 128 KiB */
      drain(id, &m, 1 << 17, 1 << 17);
      break;
    }
  }
  CHECK(el_inbox_count(id) == m.count);
  CHECK(el_loop_close(id) == 0);
  CHECK(el_loop_count() == 0);
  return 0;
}
