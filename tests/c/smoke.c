/* smoke.c: loads a built libevloop with dlopen, as Deno and Bun do, and
 * drives one loop through a pipe, a timeout and a TCP accept. Run under
 * qemu by scripts/ci/prebuild.sh for the cross-compiled aarch64 library:
 *   smoke path/to/libevloop.so   -> prints "smoke: ok" and exits 0
 * Without an argument it loads $EVLOOP_LIB (CTest sets it to the library
 * of its build, so the sanitizer gates run it too). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../csrc/evloop.h"

static void *lib;

static void *sym(const char *name) {
  void *p = dlsym(lib, name);
  if (p == NULL) {
    fprintf(stderr, "smoke: missing %s\n", name);
    exit(1);
  }
  return p;
}

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "smoke: %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

int main(int argc, char **argv) {
  int32_t (*abi)(void);
  int32_t (*backend)(char *, int32_t);
  double (*now)(void);
  int32_t (*open_loop)(void);
  int32_t (*close_loop)(int32_t);
  int32_t (*pipe_)(int32_t *);
  int32_t (*ctl)(int32_t, int32_t, int32_t, uint32_t);
  int32_t (*wait)(int32_t, int32_t *, int32_t, double);
  int32_t (*rd)(int32_t, uint8_t *, int32_t);
  int32_t (*wr)(int32_t, const uint8_t *, int32_t);
  int32_t (*cls)(int32_t);
  int32_t (*listen_)(const char *, int32_t, int32_t, int32_t);
  int32_t (*connect_)(const char *, int32_t);
  int32_t (*accept_)(int32_t);
  int32_t (*port)(int32_t);
  char name[16];
  int32_t id, fds[2], out[8], srv, cli, acc;
  uint8_t byte = 42, got = 0;
  double t0, waited;
  const char *path = argc == 2 ? argv[1] : getenv("EVLOOP_LIB");

  if (argc > 2 || path == NULL || *path == '\0') {
    fprintf(stderr, "usage: smoke path/to/libevloop.so (or EVLOOP_LIB set)\n");
    return 2;
  }
  lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "smoke: %s\n", dlerror());
    return 1;
  }
  *(void **)&abi = sym("el_abi_version");
  *(void **)&backend = sym("el_backend_name");
  *(void **)&now = sym("el_now_ms");
  *(void **)&open_loop = sym("el_loop_open");
  *(void **)&close_loop = sym("el_loop_close");
  *(void **)&pipe_ = sym("el_fd_pipe");
  *(void **)&ctl = sym("el_poller_ctl");
  *(void **)&wait = sym("el_poller_wait");
  *(void **)&rd = sym("el_fd_read");
  *(void **)&wr = sym("el_fd_write");
  *(void **)&cls = sym("el_fd_close");
  *(void **)&listen_ = sym("el_tcp_listen");
  *(void **)&connect_ = sym("el_tcp_connect");
  *(void **)&accept_ = sym("el_tcp_accept");
  *(void **)&port = sym("el_sock_port");

  CHECK(abi() >= 1);
  CHECK(backend(name, sizeof(name)) > 0);

  CHECK((id = open_loop()) >= 0);
  /* A pipe: readable once written, with the byte intact. */
  CHECK(pipe_(fds) == 0);
  CHECK(ctl(id, EL_CTL_ADD, fds[0], EL_READ) == 0);
  CHECK(wait(id, out, 4, 0) == 0);
  CHECK(wr(fds[1], &byte, 1) == 1);
  CHECK(wait(id, out, 4, 1000) == 1);
  CHECK(out[0] == fds[0] && (out[1] & EL_READ));
  CHECK(rd(fds[0], &got, 1) == 1 && got == 42);
  CHECK(rd(fds[0], &got, 1) == -11 /* EAGAIN: born non-blocking */);

  /* A timeout: nothing ready, and never early. */
  t0 = now();
  CHECK(wait(id, out, 4, 20) == 0);
  waited = now() - t0;
  CHECK(waited >= 20);

  /* TCP on 127.0.0.1: the accepted socket is non-blocking too. */
  CHECK((srv = listen_("127.0.0.1", 0, 8, 0)) >= 0);
  CHECK((cli = connect_("127.0.0.1", port(srv))) >= 0);
  CHECK(ctl(id, EL_CTL_ADD, srv, EL_READ) == 0);
  CHECK(wait(id, out, 4, 1000) == 1 && out[0] == srv);
  CHECK((acc = accept_(srv)) >= 0);
  CHECK(rd(acc, &got, 1) == -11);

  CHECK(cls(acc) == 0 && cls(cli) == 0 && cls(srv) == 0);
  CHECK(cls(fds[0]) == 0 && cls(fds[1]) == 0);
  CHECK(close_loop(id) == 0);
  printf("smoke: ok (%s, abi %d, timeout waited %.1f ms)\n", name, abi(),
         waited);
  return 0;
}
