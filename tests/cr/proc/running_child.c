/* tests/cr/proc/running_child.c
 * A child still running at the checkpoint is, after restart, still the parent's child:
 * the parent waits for it (by pid, then wait(-1) finds nothing more) and gets its status. */
#include <sys/wait.h>

#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pid_t parent = getpid();
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child == 0) {
    int fd = open(ct_path("child.ready"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    CT_CHECK(fd >= 0);
    close(fd);
    ct_checkpoint_point();
    ct_sleep_ms(200);  /* still running when the parent starts waiting */
    _exit(getppid() == parent ? 7 : 8);
  }
  while (access(ct_path("child.ready"), F_OK) != 0) ct_sleep_ms(10);

  ct_checkpoint_point();

  int st = 0;
  pid_t got = waitpid(child, &st, 0);
  if (got != child || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
    ct_fail("waitpid(%d) = %d status 0x%x (8: the child saw another parent)", (int)child,
            (int)got, st);
  }
  CT_CHECK(wait(&st) == -1 && errno == ECHILD);
  ct_log("running child %d reaped after restart", (int)child);
  ct_pass();
}
