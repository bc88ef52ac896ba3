/* inbox.c: the cross-thread inbox, a bounded multi-producer queue of byte
 * messages that any thread may post to and the loop's thread drains.
 *
 * A mutex-protected FIFO: producers hold the lock for a pointer swap only
 * (the node is allocated and filled before), so contention stays short,
 * and one lock gives a single total order that keeps each producer's posts
 * in the order it made them. Posting pins the loop with loop_acquire, so a
 * post racing with el_loop_close either fails with -ESTALE or finishes its
 * push before close frees the queue (close waits for users == 0). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct inbox_node {
  struct inbox_node *next;
  uint32_t len;
  uint8_t data[];
};

void inbox_init(struct el_loop *loop) {
  pthread_mutex_init(&loop->inbox_mu, NULL);
  loop->inbox_head = NULL;
  loop->inbox_tail = NULL;
  loop->inbox_msgs = 0;
  loop->inbox_bytes = 0;
  loop->inbox_max_msgs = EL_INBOX_DEFAULT_MSGS;
  loop->inbox_max_bytes = EL_INBOX_DEFAULT_BYTES;
}

void inbox_free(struct el_loop *loop) {
  struct inbox_node *node, *next;

  /* Taken although no poster is left (users == 0): the lock orders the
   * producers' writes to the nodes before the frees below. */
  pthread_mutex_lock(&loop->inbox_mu);
  node = loop->inbox_head;
  loop->inbox_head = loop->inbox_tail = NULL;
  loop->inbox_msgs = 0;
  loop->inbox_bytes = 0;
  pthread_mutex_unlock(&loop->inbox_mu);
  for (; node != NULL; node = next) {
    next = node->next;
    free(node);
  }
  pthread_mutex_destroy(&loop->inbox_mu);
}

int32_t el_inbox_post(int32_t id, const uint8_t *msg, int32_t len) {
  struct el_loop *loop;
  struct inbox_node *node;
  int err = 0;

  if (len <= 0 || msg == NULL)
    return -EINVAL;
  /* Allocated before the loop is pinned: close never waits on malloc. */
  node = malloc(sizeof(*node) + (size_t)len);
  if (node == NULL)
    return -ENOMEM;
  node->next = NULL;
  node->len = (uint32_t)len;
  memcpy(node->data, msg, (size_t)len);

  loop = loop_acquire(id);
  if (loop == NULL) {
    free(node);
    return -ESTALE;
  }
  pthread_mutex_lock(&loop->inbox_mu);
  if ((uint32_t)len > loop->inbox_max_bytes) {
    /* Could never fit, however long the poster waits. */
    err = -EMSGSIZE;
  } else if (loop->inbox_msgs >= loop->inbox_max_msgs ||
             loop->inbox_bytes + (uint32_t)len > loop->inbox_max_bytes) {
    err = -EAGAIN;
  } else {
    if (loop->inbox_tail != NULL)
      loop->inbox_tail->next = node;
    else
      loop->inbox_head = node;
    loop->inbox_tail = node;
    loop->inbox_msgs++;
    loop->inbox_bytes += (uint32_t)len;
  }
  pthread_mutex_unlock(&loop->inbox_mu);
  if (err == 0) {
    /* Coalesced: one eventfd write per burst, and the loop sees
     * EL_WAKE_INBOX in the wake it drains the burst on. */
    err = loop_wake_bits(loop, EL_WAKE_INBOX);
  } else {
    free(node);
  }
  loop_release(loop);
  return err;
}

static void put_u32le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

int32_t el_inbox_drain(int32_t id, uint8_t *out, int32_t len, int32_t max) {
  struct el_loop *loop;
  struct inbox_node *node, *taken = NULL, *last = NULL;
  uint32_t room, used = 0;
  int32_t count = 0;

  if (len < 4 || max < 0)
    return -EINVAL;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  room = (uint32_t)len;
  /* Unlink under the lock, copy and free outside it: producers wait for a
   * few pointer moves, never for memcpy. */
  pthread_mutex_lock(&loop->inbox_mu);
  node = loop->inbox_head;
  if (node != NULL && 4 + node->len > room) {
    pthread_mutex_unlock(&loop->inbox_mu);
    loop_release(loop);
    /* The caller grows its buffer to this and calls again. */
    put_u32le(out, 4 + node->len);
    return -ENOBUFS;
  }
  taken = node;
  while (node != NULL && count < max && used + 4 + node->len <= room) {
    used += 4 + node->len;
    loop->inbox_bytes -= node->len;
    loop->inbox_msgs--;
    count++;
    last = node;
    node = node->next;
  }
  loop->inbox_head = node;
  if (node == NULL)
    loop->inbox_tail = NULL;
  pthread_mutex_unlock(&loop->inbox_mu);
  loop_release(loop);

  if (count == 0)
    return 0;
  last->next = NULL;
  used = 0;
  for (node = taken; node != NULL; node = taken) {
    taken = node->next;
    put_u32le(out + used, node->len);
    memcpy(out + used + 4, node->data, node->len);
    used += 4 + node->len;
    free(node);
  }
  return count;
}

int32_t el_inbox_count(int32_t id) {
  struct el_loop *loop = loop_acquire(id);
  int32_t n;

  if (loop == NULL)
    return -ESTALE;
  pthread_mutex_lock(&loop->inbox_mu);
  n = (int32_t)loop->inbox_msgs;
  pthread_mutex_unlock(&loop->inbox_mu);
  loop_release(loop);
  return n;
}

int32_t el_inbox_set_limit(int32_t id, int32_t max_msgs, int32_t max_bytes) {
  struct el_loop *loop;

  if (max_msgs < 1 || max_bytes < 1)
    return -EINVAL;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  /* Lowering a limit below what is queued drops nothing: posts are
   * refused until the loop has drained below it. */
  pthread_mutex_lock(&loop->inbox_mu);
  loop->inbox_max_msgs = (uint32_t)max_msgs;
  loop->inbox_max_bytes = (uint32_t)max_bytes;
  pthread_mutex_unlock(&loop->inbox_mu);
  loop_release(loop);
  return 0;
}
