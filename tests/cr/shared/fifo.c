/* tests/cr/shared/fifo.c: a named FIFO between a parent (reader) and its child (writer)
 * with bytes in flight at checkpoint time; after the restart both ends are reopened by
 * path and the reader gets every byte once, in order. */
#include "shared_util.h"

enum { kBefore = 20000, kAfter = 30000 };

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char path[512];
  snprintf(path, sizeof path, "%s", ct_path("fifo"));
  unlink(path);
  CT_CHECK(mkfifo(path, 0600) == 0);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    int fd = open(path, O_WRONLY);
    CT_CHECK(fd >= 0);
    su_write_pattern(fd, 9, 0, kBefore);
    su_put("child.ready", "1");
    su_wait_go();
    su_write_pattern(fd, 9, kBefore, kAfter);
    close(fd);
    su_put("child.result", "ok");
    _exit(0);
  }
  int fd = open(path, O_RDONLY);
  CT_CHECK(fd >= 0);
  su_wait("child.ready");

  ct_checkpoint_point();

  long bad = su_read_pattern(fd, 9, 0, kBefore + kAfter);
  if (bad >= 0) ct_fail("FIFO bytes differ at %ld", bad);
  const char* res = su_wait("child.result");
  if (strcmp(res, "ok") != 0) ct_fail("child: %s", res);
  char c;
  CT_CHECK(read(fd, &c, 1) == 0);
  ct_pass();
}
