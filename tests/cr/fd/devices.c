/* tests/cr/fd/devices.c: /dev/null, /dev/zero, /dev/urandom and /dev/random are reopened
 * at their numbers with their access modes and flags. */
#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int null = open("/dev/null", O_WRONLY | O_APPEND);
  int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  int urnd = open("/dev/urandom", O_RDONLY | O_NONBLOCK);
  int rnd = open("/dev/random", O_RDONLY);
  CT_CHECK(null >= 0 && zero >= 0 && urnd >= 0 && rnd >= 0);

  ct_checkpoint_point();

  CT_CHECK(write(null, "abc", 3) == 3);
  CT_CHECK((fcntl(null, F_GETFL) & (O_ACCMODE | O_APPEND)) == (O_WRONLY | O_APPEND));
  char buf[64];
  memset(buf, 1, sizeof buf);
  CT_CHECK(read(zero, buf, sizeof buf) == sizeof buf);
  for (int i = 0; i < 64; ++i) CT_CHECK(buf[i] == 0);
  CT_CHECK(fcntl(zero, F_GETFD) & FD_CLOEXEC);
  char a[32], b[32];
  CT_CHECK(read(urnd, a, sizeof a) == sizeof a && read(rnd, b, sizeof b) == sizeof b);
  CT_CHECK(memcmp(a, b, sizeof a) != 0);
  CT_CHECK(fcntl(urnd, F_GETFL) & O_NONBLOCK);
  CT_CHECK(read(null, buf, 1) == -1 && errno == EBADF);  /* still write-only */
  ct_pass();
}
