/* tests/cr/fd/eventfd.c: eventfd counters (a plain one with a 64-bit value, an
 * EFD_SEMAPHORE|EFD_NONBLOCK one) keep their value, mode and flags. */
#include "ct.h"

#include <sys/eventfd.h>

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int plain = eventfd(0, EFD_CLOEXEC);
  int sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
  CT_CHECK(plain >= 0 && sem >= 0);
  uint64_t v = 0x123456789abull;
  CT_CHECK(write(plain, &v, 8) == 8);

  ct_checkpoint_point();

  CT_CHECK(fcntl(plain, F_GETFD) & FD_CLOEXEC);
  CT_CHECK(fcntl(sem, F_GETFL) & O_NONBLOCK);
  CT_CHECK(read(plain, &v, 8) == 8 && v == 0x123456789abull);
  for (int i = 0; i < 3; ++i) {
    CT_CHECK(read(sem, &v, 8) == 8 && v == 1);
  }
  CT_CHECK(read(sem, &v, 8) == -1 && errno == EAGAIN);
  v = 2;
  CT_CHECK(write(sem, &v, 8) == 8 && read(sem, &v, 8) == 8 && v == 1);
  ct_pass();
}
