/* pummel.h: native producers for the inbox tests (not part of the shim). */
#ifndef EVLOOP_PUMMEL_H
#define EVLOOP_PUMMEL_H

#include <stdint.h>

typedef int32_t (*pummel_post_fn)(int32_t id, const uint8_t *msg,
                                  int32_t len);

/* Starts `threads` pthreads that each post `per_thread` messages
 * ["tick",<thread>,<i>] to loop `id` through `post`, retrying on -EAGAIN.
 * Returns 0 at once, or -errno. One run at a time. */
int32_t pummel_start_with(pummel_post_fn post, int32_t id, int32_t threads,
                          int32_t per_thread);
/* dlopens the shim at lib_path (the instance the caller already loaded:
 * dlopen returns the same handle) and starts as pummel_start_with. */
int32_t pummel_start(const char *lib_path, int32_t id, int32_t threads,
                     int32_t per_thread);
/* Joins the threads. Returns how many posts were refused with -EAGAIN
 * (and retried), or the first other error a post returned. */
int32_t pummel_join(void);
/* Milliseconds from pummel_start to the last accepted post. */
double pummel_elapsed_ms(void);

#endif /* EVLOOP_PUMMEL_H */
