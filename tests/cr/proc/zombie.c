/* tests/cr/proc/zombie.c
 * Children that ended before the checkpoint and were not reaped (zombies: one exited with
 * status 42, one killed by SIGTERM) are still there after restart: the parent reaps them
 * by pid and sees the same status. */
#include <signal.h>
#include <sys/wait.h>

#include "ct.h"

/* Waits until `pid` has ended, without reaping it. */
static void wait_zombie(pid_t pid) {
  siginfo_t si;
  memset(&si, 0, sizeof si);
  CT_CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0);
  CT_CHECK(si.si_pid == pid);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pid_t exited = fork();
  CT_CHECK(exited >= 0);
  if (exited == 0) _exit(42);
  pid_t killed = fork();
  CT_CHECK(killed >= 0);
  if (killed == 0) {
    for (;;) pause();
  }
  CT_CHECK(kill(killed, SIGTERM) == 0);
  wait_zombie(exited);
  wait_zombie(killed);

  ct_checkpoint_point();

  int st = 0;
  pid_t got = waitpid(killed, &st, 0);
  if (got != killed || !WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM) {
    ct_fail("waitpid(killed %d) = %d status 0x%x", (int)killed, (int)got, st);
  }
  got = waitpid(exited, &st, 0);
  if (got != exited || !WIFEXITED(st) || WEXITSTATUS(st) != 42) {
    ct_fail("waitpid(exited %d) = %d status 0x%x", (int)exited, (int)got, st);
  }
  CT_CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
  ct_log("both zombies reaped with their saved status");
  ct_pass();
}
