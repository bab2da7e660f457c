/* tests/cr/shared/pipe_parent_child.c: a parent and its child talk through two pipes, each
 * holding bytes in flight at checkpoint time (one of them enlarged with F_SETPIPE_SZ).
 * After the restart each side reads exactly the bytes the other wrote, in order, then
 * both write more; the pipe capacity survives. */
#include "shared_util.h"

enum { kBefore = 100000, kAfter = 50000, kBig = 256 * 1024 };

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int down[2], up[2];
  CT_CHECK(pipe(down) == 0 && pipe(up) == 0);
  CT_CHECK(fcntl(down[1], F_SETPIPE_SZ, kBig) >= kBig);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    close(down[1]);
    close(up[0]);
    su_write_pattern(up[1], 2, 0, 30000);  /* stays in flight */
    su_put("child.ready", "1");
    su_wait_go();
    long bad = su_read_pattern(down[0], 1, 0, kBefore);
    su_write_pattern(up[1], 2, 30000, kAfter);
    long bad2 = su_read_pattern(down[0], 1, kBefore, kAfter);
    int size = fcntl(down[0], F_GETPIPE_SZ);
    char msg[128];
    snprintf(msg, sizeof msg, "%s %ld %ld %d", bad < 0 && bad2 < 0 && size >= kBig ? "ok" : "bad",
             bad, bad2, size);
    su_put("child.result", msg);
    _exit(0);
  }
  close(down[0]);
  close(up[1]);
  su_write_pattern(down[1], 1, 0, kBefore);  /* stays in flight: the child reads after go */
  su_wait("child.ready");

  ct_checkpoint_point();

  long bad = su_read_pattern(up[0], 2, 0, 30000);
  if (bad >= 0) ct_fail("bytes in flight to the parent differ at %ld", bad);
  su_write_pattern(down[1], 1, kBefore, kAfter);
  bad = su_read_pattern(up[0], 2, 30000, kAfter);
  if (bad >= 0) ct_fail("bytes written after the restart differ at %ld", bad);
  CT_CHECK(fcntl(down[1], F_GETPIPE_SZ) >= kBig);
  const char* result = su_wait("child.result");
  if (strncmp(result, "ok", 2) != 0) ct_fail("child: %s", result);
  ct_pass();
}
