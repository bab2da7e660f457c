/* tests/cr/shared/shared_file_map.c: a MAP_SHARED mapping of a regular file, made before
 * fork, is still one memory for parent and child after the restart, and the file holds
 * what they wrote (shared_mem_check.h). */
#include "shared_mem_check.h"

enum { kPages = 2 };

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int fd = open(ct_path("mapped.bin"), O_RDWR | O_CREAT | O_TRUNC, 0600);
  CT_CHECK(fd >= 0);
  CT_CHECK(ftruncate(fd, kPages * 4096) == 0);
  volatile uint64_t* w = mmap(NULL, kPages * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CT_CHECK(w != MAP_FAILED);
  smc_run(w, kPages * 4096 / 8);
  uint64_t word;
  CT_CHECK(pread(fd, &word, sizeof word, 8) == sizeof word && word == 8); /* w[1] */
  ct_pass();
}
