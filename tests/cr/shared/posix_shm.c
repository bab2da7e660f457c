/* tests/cr/shared/posix_shm.c: a POSIX shared memory object (shm_open, /dev/shm) mapped
 * before fork is still one memory for parent and child after the restart, with what both
 * wrote before (shared_mem_check.h). */
#include "shared_mem_check.h"

enum { kPages = 3 };

static char name[64];

/* Also when a check fails (ct_fail exits); the child leaves with _exit. */
static void remove_object(void) { shm_unlink(name); }

int main(int argc, char** argv) {
  ct_init(argc, argv);
  snprintf(name, sizeof name, "/ckpt-test-shm-%d", (int)getpid());
  atexit(remove_object);
  int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  CT_CHECK(fd >= 0);
  CT_CHECK(ftruncate(fd, kPages * 4096) == 0);
  volatile uint64_t* w = mmap(NULL, kPages * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CT_CHECK(w != MAP_FAILED);
  close(fd);
  smc_run(w, kPages * 4096 / 8);
  ct_pass();
}
