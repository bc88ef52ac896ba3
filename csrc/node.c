/* node.c: hosted mode on Node, where the loop's wait joins libuv's loop.
 *
 * Node's FFI (node:ffi) has no call that runs on another thread and no
 * callback that another thread may call (one called off its thread aborts
 * the process), so neither Deno's nonblocking el_loop_block nor Bun's
 * waiter thread can serve. Instead libuv waits for us: a uv_poll handle on
 * the environment's own uv loop (the one node:ffi's getCurrentEventLoop()
 * returns) watches the loop's poller fd, which turns readable whenever
 * el_poller_wait would return at once: an fd event, a wake (el_loop_wake,
 * a signal, an inbox post) or the loop's timer, armed for the park's
 * timeout. No thread of ours runs, and an idle park makes no wake-up.
 *
 * The handle lives here, in C, not in JavaScript, for two reasons found
 * the hard way (a Worker terminated while parked):
 *  - Node aborts the process when a Worker's uv loop still has an open
 *    handle at its end, and no JavaScript runs then to close it: an
 *    environment cleanup hook of ours closes it instead;
 *  - libuv still runs the loop while Node tears a Worker down, with
 *    JavaScript disallowed, and a node:ffi callback called then aborts
 *    the process. The waker is therefore called through
 *    napi_make_callback, which refuses (returns a status) when the
 *    environment cannot run JavaScript, and otherwise runs it in Node's
 *    callback scope: nextTicks and microtasks are drained after it, as
 *    after any I/O callback.
 * N-API needs a napi_env, which only an addon is given: ffi/node.ts loads
 * this same library once per thread with process.dlopen() as an N-API
 * module (napi_register_module_v1 below) and hands over the waker.
 *
 * Every N-API and libuv function is looked up with dlsym() at run time
 * (the node executable exports them), so nothing new is linked: under
 * Deno and Bun the lookups are never made and el_node_* return -ENOSYS.
 *
 * Everything here runs on the thread of the environment it belongs to
 * (JavaScript calls, libuv callbacks, the cleanup hook): the per-thread
 * state needs no lock. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

/* N-API's ABI (node_api.h, js_native_api_types.h), the few parts used. */
typedef struct napi_env__ *napi_env;
typedef int napi_status; /* napi_ok is 0 */
#define NAPI_OK 0
#define NAPI_PENDING_EXCEPTION 10
typedef struct napi_value__ *napi_value;
typedef struct napi_ref__ *napi_ref;
typedef struct napi_handle_scope__ *napi_handle_scope;
typedef struct napi_callback_info__ *napi_callback_info;
typedef struct napi_async_context__ *napi_async_context;
typedef struct napi_async_cleanup_hook_handle__ *napi_hook;
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);
typedef void (*napi_hook_fn)(napi_hook, void *);

/* libuv's (uv.h): opaque handles, UV_POLL's handle type, UV_READABLE. */
#define UV_POLL 8
#define UV_READABLE 1
typedef void (*uv_poll_cb)(void *handle, int status, int events);
typedef void (*uv_close_cb)(void *handle);

static struct {
  napi_status (*get_uv_event_loop)(napi_env, void **);
  napi_status (*add_cleanup_hook)(napi_env, napi_hook_fn, void *, napi_hook *);
  napi_status (*remove_cleanup_hook)(napi_hook);
  napi_status (*create_reference)(napi_env, napi_value, uint32_t, napi_ref *);
  napi_status (*delete_reference)(napi_env, napi_ref);
  napi_status (*get_reference_value)(napi_env, napi_ref, napi_value *);
  napi_status (*open_handle_scope)(napi_env, napi_handle_scope *);
  napi_status (*close_handle_scope)(napi_env, napi_handle_scope);
  napi_status (*get_global)(napi_env, napi_value *);
  napi_status (*create_int32)(napi_env, int32_t, napi_value *);
  napi_status (*create_string_utf8)(napi_env, const char *, size_t,
                                    napi_value *);
  napi_status (*create_function)(napi_env, const char *, size_t,
                                 napi_callback, void *, napi_value *);
  napi_status (*set_named_property)(napi_env, napi_value, const char *,
                                    napi_value);
  napi_status (*get_cb_info)(napi_env, napi_callback_info, size_t *,
                             napi_value *, napi_value *, void **);
  napi_status (*typeof_)(napi_env, napi_value, int *);
  napi_status (*throw_type_error)(napi_env, const char *, const char *);
  napi_status (*async_init)(napi_env, napi_value, napi_value,
                            napi_async_context *);
  napi_status (*async_destroy)(napi_env, napi_async_context);
  napi_status (*make_callback)(napi_env, napi_async_context, napi_value,
                               napi_value, size_t, const napi_value *,
                               napi_value *);
  napi_status (*get_and_clear_last_exception)(napi_env, napi_value *);
  napi_status (*fatal_exception)(napi_env, napi_value);
  size_t (*handle_size)(int);
  int (*poll_init)(void *, void *, int);
  int (*poll_start)(void *, int, uv_poll_cb);
  int (*poll_stop)(void *);
  void (*close)(void *, uv_close_cb);
} api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;
static int api_ok;

#define LOOKUP(field, name)                                                   \
  ok &= (*(void **)&api.field = dlsym(RTLD_DEFAULT, name)) != NULL
static void look_up_api(void) {
  int ok = 1;
  LOOKUP(get_uv_event_loop, "napi_get_uv_event_loop");
  LOOKUP(add_cleanup_hook, "napi_add_async_cleanup_hook");
  LOOKUP(remove_cleanup_hook, "napi_remove_async_cleanup_hook");
  LOOKUP(create_reference, "napi_create_reference");
  LOOKUP(delete_reference, "napi_delete_reference");
  LOOKUP(get_reference_value, "napi_get_reference_value");
  LOOKUP(open_handle_scope, "napi_open_handle_scope");
  LOOKUP(close_handle_scope, "napi_close_handle_scope");
  LOOKUP(get_global, "napi_get_global");
  LOOKUP(create_int32, "napi_create_int32");
  LOOKUP(create_string_utf8, "napi_create_string_utf8");
  LOOKUP(create_function, "napi_create_function");
  LOOKUP(set_named_property, "napi_set_named_property");
  LOOKUP(get_cb_info, "napi_get_cb_info");
  LOOKUP(typeof_, "napi_typeof");
  LOOKUP(throw_type_error, "napi_throw_type_error");
  LOOKUP(async_init, "napi_async_init");
  LOOKUP(async_destroy, "napi_async_destroy");
  LOOKUP(make_callback, "napi_make_callback");
  LOOKUP(get_and_clear_last_exception, "napi_get_and_clear_last_exception");
  LOOKUP(fatal_exception, "napi_fatal_exception");
  LOOKUP(handle_size, "uv_handle_size");
  LOOKUP(poll_init, "uv_poll_init");
  LOOKUP(poll_start, "uv_poll_start");
  LOOKUP(poll_stop, "uv_poll_stop");
  LOOKUP(close, "uv_close");
  api_ok = ok;
}

/* One environment (the main thread's, or a Worker's): its waker and the
 * watchers of its loops. */
struct node_env {
  napi_env env;
  napi_ref waker; /* the JS function (id, result) => void */
  napi_async_context context;
  napi_hook hook;
  struct node_watch *watches;
  int tearing_down;
};

/* One loop's uv_poll handle, which follows this header in the same block
 * (its data pointer, the handle's first field, points back here). */
struct node_watch {
  int32_t id;
  struct node_env *env;
  struct node_watch *next;
  void *handle;
};

static __thread struct node_env *this_env;

/* The watch of loop `id` if it belongs to this thread's environment. */
static struct node_watch *find_watch(int32_t id) {
  struct el_loop *loop = loop_acquire(id);
  struct node_watch *w = NULL;

  if (loop == NULL)
    return NULL;
  if (this_env != NULL && loop->node_watch != NULL &&
      ((struct node_watch *)loop->node_watch)->env == this_env)
    w = loop->node_watch;
  loop_release(loop);
  return w;
}

static void finish_teardown(struct node_env *e) {
  napi_hook hook = e->hook;
  /* The environment is going: the waker and context go with it. */
  api.delete_reference(e->env, e->waker);
  api.async_destroy(e->env, e->context);
  if (this_env == e)
    this_env = NULL;
  free(e);
  /* Tells Node the hook is done: last, it may free the environment. */
  api.remove_cleanup_hook(hook);
}

static void on_closed(void *handle) {
  struct node_watch *w = *(struct node_watch **)handle, **p;
  struct node_env *e = w->env;

  for (p = &e->watches; *p != NULL; p = &(*p)->next)
    if (*p == w) {
      *p = w->next;
      break;
    }
  free(w);
  if (e->tearing_down && e->watches == NULL)
    finish_teardown(e);
}

/* Stops and closes a watch; its memory goes in on_closed. After uv_close
 * libuv never calls on_poll for it again, and it no longer polls the fd,
 * so the loop may close its poller fd right after. */
static void close_watch(struct node_watch *w) {
  struct el_loop *loop = loop_acquire(w->id);

  if (loop != NULL) {
    if (loop->node_watch == w)
      loop->node_watch = NULL;
    loop_release(loop);
  }
  api.poll_stop(w->handle);
  api.close(w->handle, on_closed);
}

static void on_poll(void *handle, int status, int events) {
  struct node_watch *w = *(struct node_watch **)handle;
  struct node_env *e = w->env;
  napi_handle_scope scope;
  napi_value fn, recv, argv[2], result, error;
  napi_status st;

  (void)events;
  /* One-shot: libuv polls level-triggered, and the loop's thread
   * collects the events itself (el_poller_wait). */
  api.poll_stop(handle);
  if (e->tearing_down || api.open_handle_scope(e->env, &scope) != NAPI_OK)
    return;
  if (api.get_reference_value(e->env, e->waker, &fn) == NAPI_OK &&
      fn != NULL && api.get_global(e->env, &recv) == NAPI_OK &&
      api.create_int32(e->env, w->id, &argv[0]) == NAPI_OK &&
      api.create_int32(e->env, status < 0 ? status : 0, &argv[1]) ==
          NAPI_OK) {
    st = api.make_callback(e->env, e->context, recv, fn, 2, argv, &result);
    /* The waker threw: an uncaught exception, as from any callback.
     * Other statuses mean the environment can no longer run JavaScript
     * (a Worker being terminated): nothing is waiting any more. */
    if (st == NAPI_PENDING_EXCEPTION &&
        api.get_and_clear_last_exception(e->env, &error) == NAPI_OK)
      api.fatal_exception(e->env, error);
  }
  api.close_handle_scope(e->env, scope);
}

/* The environment is being torn down (a Worker ends, or the process
 * exits): its watches close before libuv's loop does. Node waits for this
 * async hook to be removed, which finish_teardown does once every close
 * callback has run. */
static void on_teardown(napi_hook hook, void *arg) {
  struct node_env *e = arg;
  struct node_watch *w;

  (void)hook;
  e->tearing_down = 1;
  if (this_env == e)
    this_env = NULL;
  if (e->watches == NULL) {
    finish_teardown(e);
    return;
  }
  for (w = e->watches; w != NULL; w = w->next)
    close_watch(w);
}

/* exports.init(waker): makes `waker` this environment's; once per
 * environment (a second call replaces the waker). */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name;
  int type = 0;
  struct node_env *e;

  if (api.get_cb_info(env, info, &argc, argv, NULL, NULL) != NAPI_OK ||
      argc < 1 || api.typeof_(env, argv[0], &type) != NAPI_OK ||
      type != 7 /* napi_function */) {
    api.throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                         "init(waker): waker must be a function");
    return NULL;
  }
  if (this_env != NULL && this_env->env == env) {
    api.delete_reference(env, this_env->waker);
    api.create_reference(env, argv[0], 1, &this_env->waker);
    return NULL;
  }
  e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->env = env;
  if (api.create_reference(env, argv[0], 1, &e->waker) != NAPI_OK ||
      api.create_string_utf8(env, "evloop", 6, &name) != NAPI_OK ||
      api.async_init(env, NULL, name, &e->context) != NAPI_OK ||
      api.add_cleanup_hook(env, on_teardown, e, &e->hook) != NAPI_OK) {
    free(e);
    return NULL;
  }
  this_env = e;
  return NULL;
}

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_value fn;

  pthread_once(&api_once, look_up_api);
  if (api_ok &&
      api.create_function(env, "init", 4, js_init, NULL, &fn) == NAPI_OK)
    api.set_named_property(env, exports, "init", fn);
  return exports;
}

/* Node-API 8: napi_add_async_cleanup_hook (Node >= 14.10, so every Node
 * with node:ffi). */
int32_t node_api_module_get_api_version_v1(void) { return 8; }

/* A new watch of loop `id`'s poller on this environment's uv loop. */
static int attach(int32_t id, struct node_watch **out) {
  struct el_loop *loop;
  struct node_watch *w;
  void *uv_loop;
  size_t offset = (sizeof(struct node_watch) + 15) & ~(size_t)15;
  int fd, err;

  if (api.get_uv_event_loop(this_env->env, &uv_loop) != NAPI_OK)
    return -ENOSYS;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  if (!pthread_equal(loop->owner, pthread_self())) {
    loop_release(loop);
    return -EPERM;
  }
  fd = backend_watch(loop);
  if (fd < 0) {
    loop_release(loop);
    return fd;
  }
  w = calloc(1, offset + api.handle_size(UV_POLL));
  if (w == NULL) {
    loop_release(loop);
    return -ENOMEM;
  }
  w->id = id;
  w->env = this_env;
  w->handle = (char *)w + offset;
  err = api.poll_init(uv_loop, w->handle, fd);
  if (err < 0) {
    loop_release(loop);
    free(w);
    return err;
  }
  *(struct node_watch **)w->handle = w;
  w->next = this_env->watches;
  this_env->watches = w;
  loop->node_watch = w;
  loop_release(loop);
  *out = w;
  return 0;
}

int32_t el_node_park(int32_t id, double timeout_ms) {
  struct node_watch *w;
  struct el_loop *loop;
  int err;

  if (this_env == NULL)
    return -ENOSYS;
  w = find_watch(id);
  if (w == NULL && (err = attach(id, &w)) < 0)
    return err;
  loop = loop_acquire(id);
  if (loop == NULL)
    return -ESTALE;
  err = loop_arm_watch(loop, timeout_ms);
  loop_release(loop);
  return err < 0 ? err : api.poll_start(w->handle, UV_READABLE, on_poll);
}

int32_t el_node_detach(int32_t id) {
  struct node_watch *w = find_watch(id);

  if (w == NULL)
    return 0;
  close_watch(w);
  return 1;
}

void node_loop_close(struct el_loop *loop) {
  struct node_watch *w = loop->node_watch;

  /* Only the environment's own thread may touch its uv loop; a loop
   * closed elsewhere leaves its watch to that environment's teardown
   * (whose callbacks then name a stale id, which the waker ignores). */
  loop->node_watch = NULL;
  if (w != NULL && w->env == this_env)
    close_watch(w);
}
