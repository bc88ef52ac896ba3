/* signal_resethand.c: a one-shot action found at install is not chained.
 *
 * Node installs its SIGINT and SIGTERM handlers with SA_RESETHAND: they
 * restore the terminal and raise the signal again, counting on the
 * kernel's reset to the default action to end the process. The shim used
 * to chain to such a handler from its own, which stayed installed, so the
 * raise came back to the shim, which chained again: the process spun at
 * 100 % CPU for ever. The handler here does what Node's does, but gives up
 * after a few rounds so that the old behaviour fails instead of hanging.
 *
 * Built as evloop_test_signal_resethand (CTest); run by
 * tests/signals_test.ts and under the sanitizer gates. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../../csrc/evloop.h"
#include "check.h"

static atomic_int one_shot_calls;

/* Node's SignalExit, in short: raise again for the default action. */
static void one_shot(int signo) {
  if (atomic_fetch_add(&one_shot_calls, 1) < 5)
    raise(signo);
}

int main(void) {
  struct sigaction sa, cur;
  int32_t id, out[4 * 8], n;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = one_shot;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);

  id = el_loop_open();
  CHECK(id > 0);
  CHECK(el_signal_add(id, SIGUSR2) == 0);
  CHECK(el_signal_installed(SIGUSR2) == 1);
  raise(SIGUSR2);
  /* Delivered once, to the loop; the one-shot action never ran. */
  CHECK(atomic_load(&one_shot_calls) == 0);
  n = el_signal_drain(id, out, 8);
  CHECK(n == 1);
  CHECK(n >= 1 && out[0] == SIGUSR2);

  /* The last listener puts the one-shot action back, flags and all. */
  CHECK(el_signal_remove(id, SIGUSR2) == 1);
  CHECK(sigaction(SIGUSR2, NULL, &cur) == 0);
  CHECK(cur.sa_handler == one_shot && (cur.sa_flags & SA_RESETHAND));
  CHECK(el_loop_close(id) == 0);

  if (atomic_load(&failures) != 0)
    return 1;
  printf("all ok\n");
  return 0;
}
