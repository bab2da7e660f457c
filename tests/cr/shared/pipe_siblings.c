/* tests/cr/shared/pipe_siblings.c: two children of one parent share a pipe the parent no
 * longer holds; the writer has left bytes in flight at checkpoint time and writes more
 * after the restart; the reader gets every byte once, in order. */
#include "shared_util.h"

enum { kBefore = 40000, kAfter = 70000 };

static void writer(int fd) {
  su_write_pattern(fd, 5, 0, kBefore);
  su_put("writer.ready", "1");
  su_wait_go();
  su_write_pattern(fd, 5, kBefore, kAfter);
  su_put("writer.result", "ok");
  _exit(0);
}

static void reader(int fd) {
  su_put("reader.ready", "1");
  su_wait_go();
  long bad = su_read_pattern(fd, 5, 0, kBefore + kAfter);
  char extra;
  ssize_t n = read(fd, &extra, 1); /* the writer is gone: end of file */
  char msg[64];
  snprintf(msg, sizeof msg, "%s %ld %zd", bad < 0 && n == 0 ? "ok" : "bad", bad, n);
  su_put("reader.result", msg);
  _exit(0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int p[2];
  CT_CHECK(pipe(p) == 0);
  pid_t w = fork();
  CT_CHECK(w >= 0);
  if (w == 0) {
    close(p[0]);
    writer(p[1]);
  }
  pid_t r = fork();
  CT_CHECK(r >= 0);
  if (r == 0) {
    close(p[1]);
    reader(p[0]);
  }
  close(p[0]);
  close(p[1]);
  su_wait("writer.ready");
  su_wait("reader.ready");

  ct_checkpoint_point();

  const char* res = su_wait("writer.result");
  if (strcmp(res, "ok") != 0) ct_fail("writer: %s", res);
  res = su_wait("reader.result");
  if (strncmp(res, "ok", 2) != 0) ct_fail("reader: %s", res);
  ct_pass();
}
