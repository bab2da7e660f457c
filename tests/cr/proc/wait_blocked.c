/* tests/cr/proc/wait_blocked.c
 * The parent is blocked inside waitpid(child) while the checkpoint is taken: after the
 * restart the kernel re-issues the wait with the child's old real pid, and the pid plugin
 * must retry it with the new one. The parent gets the child's exit status. */
#include <sys/wait.h>

#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child == 0) {
    ct_checkpoint_point();  /* the harness checkpoints while the parent waits */
    _exit(6);
  }
  int st = 0;
  pid_t got = waitpid(child, &st, 0);
  if (got != child || !WIFEXITED(st) || WEXITSTATUS(st) != 6) {
    ct_fail("waitpid(%d) = %d status 0x%x", (int)child, (int)got, st);
  }
  ct_log("waitpid blocked across the checkpoint returned child %d", (int)child);
  ct_pass();
}
