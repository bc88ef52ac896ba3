/* abi_other.c: a test library that answers another el_abi_version() and
 * takes every other el_* symbol from libevloop, which it links (dlsym on
 * its handle searches its dependencies): the loader must refuse it
 * (tests/ffi_load_test.ts). Never shipped. */
#include <stdint.h>

#include "../../csrc/evloop.h"

__attribute__((visibility("default"))) int32_t el_abi_version(void) {
  return 1;
}

/* A reference to libevloop, so the linker keeps it as a dependency. */
__attribute__((visibility("default"))) double abi_other_now(void) {
  return el_now_ms();
}
