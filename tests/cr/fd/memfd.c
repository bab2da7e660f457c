/* tests/cr/fd/memfd.c: a memfd keeps its name, contents, offset and seals; a second fd
 * opened on it through /proc/self/fd still names the same file after the restart. */
#include "ct.h"

#include <stdio.h>
#include <sys/mman.h>

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int fd = memfd_create("ct-memfd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  CT_CHECK(fd >= 0);
  char page[8192];
  for (int i = 0; i < (int)sizeof page; ++i) page[i] = (char)(i % 251);
  CT_CHECK(write(fd, page, sizeof page) == sizeof page);
  CT_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
  CT_CHECK(lseek(fd, 100, SEEK_SET) == 100);
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  int again = open(link, O_RDONLY);
  CT_CHECK(again >= 0);

  ct_checkpoint_point();

  struct stat a, b;
  CT_CHECK(fstat(fd, &a) == 0 && fstat(again, &b) == 0 && a.st_ino == b.st_ino);
  CT_CHECK(a.st_size == sizeof page && lseek(fd, 0, SEEK_CUR) == 100);
  CT_CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW));
  CT_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  char back[sizeof page];
  CT_CHECK(pread(again, back, sizeof back, 0) == sizeof back);
  CT_CHECK(memcmp(back, page, sizeof page) == 0);
  CT_CHECK(ftruncate(fd, 10) == -1 && errno == EPERM);
  CT_CHECK(pwrite(fd, "z", 1, 5) == 1 && pread(again, back, 1, 5) == 1 && back[0] == 'z');
  ct_pass();
}
