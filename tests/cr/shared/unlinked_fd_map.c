/* tests/cr/shared/unlinked_fd_map.c: an unlinked /dev/shm file that is both open (fd kept,
 * as Python's multiprocessing heap does) and mapped MAP_SHARED, by the parent and a forked
 * child. After the restart the fd and the mappings are still one file: bytes written
 * through the parent's fd are seen in the child's mapping, and the child's stores are read
 * back through the parent's fd; the file keeps its saved size. The parent also maps the
 * file's second page a second time (two VMAs of one file): that alias is the same memory. */
#include "shared_util.h"

#include <stdio.h>

enum { kLen = 3 * 4096 + 100 }; /* not a page multiple: the size must come back exactly */

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char path[64];
  snprintf(path, sizeof path, "/dev/shm/ckpt-test-ufm-%d", (int)getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  CT_CHECK(unlink(path) == 0);
  CT_CHECK(ftruncate(fd, kLen) == 0);
  volatile char* m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CT_CHECK(m != MAP_FAILED);
  volatile char* alias = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
  CT_CHECK(alias != MAP_FAILED);
  memcpy((char*)m, "before", 7);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    m[100] = 'r'; /* child ready */
    su_wait_go();
    for (int i = 0; i < 4000 && m[200] != 'P'; ++i) ct_sleep_ms(5); /* parent's pwrite */
    const char* res = m[200] != 'P' ? "parent's write through its fd not seen"
                      : m[4096 + 20] != 'B' ? "parent's store through its alias not seen" : "ok";
    m[4096 + 10] = 'A';
    m[300] = 'C';
    su_put("child.result", res);
    _exit(0);
  }
  while (m[100] != 'r') ct_sleep_ms(5);

  ct_checkpoint_point();

  struct stat st;
  CT_CHECK(fstat(fd, &st) == 0);
  if (st.st_size != kLen) ct_fail("size %lld, was %d", (long long)st.st_size, kLen);
  if (st.st_nlink != 0) ct_fail("the file has a name again (%d links)", (int)st.st_nlink);
  char buf[8] = {0};
  CT_CHECK(pread(fd, buf, 7, 0) == 7);
  if (strcmp(buf, "before") != 0) ct_fail("fd reads \"%s\" at 0", buf);
  alias[20] = 'B';
  CT_CHECK(pwrite(fd, "P", 1, 200) == 1);
  if (m[200] != 'P') ct_fail("own pwrite not seen in own mapping");
  const char* res = su_wait("child.result");
  if (strcmp(res, "ok") != 0) ct_fail("child: %s", res);
  CT_CHECK(pread(fd, buf, 1, 300) == 1);
  if (buf[0] != 'C') ct_fail("the child's store is not in the file behind the fd");
  if (alias[10] != 'A') ct_fail("the child's store is not seen through the alias");
  ct_pass();
}
