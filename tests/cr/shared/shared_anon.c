/* tests/cr/shared/shared_anon.c: a MAP_SHARED|MAP_ANONYMOUS region inherited across fork
 * ("/dev/zero (deleted)" in maps) is still one memory for parent and child after the
 * restart, with what both wrote before (shared_mem_check.h). */
#include "shared_mem_check.h"

enum { kPages = 4 };

int main(int argc, char** argv) {
  ct_init(argc, argv);
  volatile uint64_t* w = mmap(NULL, kPages * 4096, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CT_CHECK(w != MAP_FAILED);
  smc_run(w, kPages * 4096 / 8);
  ct_pass();
}
