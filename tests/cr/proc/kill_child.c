/* tests/cr/proc/kill_child.c
 * After restart, kill(child_pid, SIGUSR1) with the pid the parent got from fork() reaches
 * that child (and only it: a second child must not see the signal). */
#include <signal.h>
#include <sys/wait.h>

#include "ct.h"

static volatile sig_atomic_t g_got;

static void on_usr1(int sig) { g_got = sig; }

static pid_t start_child(const char* tag) {
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child > 0) return child;
  int fd = open(ct_path(tag), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
  ct_checkpoint_point();
  for (int i = 0; i < 500 && !g_got; ++i) ct_sleep_ms(10);  /* up to 5 s */
  _exit(g_got == SIGUSR1 ? 3 : 4);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  CT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  pid_t target = start_child("target.ready");
  pid_t bystander = start_child("bystander.ready");
  while (access(ct_path("target.ready"), F_OK) != 0 ||
         access(ct_path("bystander.ready"), F_OK) != 0) {
    ct_sleep_ms(10);
  }

  ct_checkpoint_point();

  CT_CHECK(kill(target, SIGUSR1) == 0);
  int st = 0;
  pid_t got = waitpid(target, &st, 0);
  if (got != target || !WIFEXITED(st) || WEXITSTATUS(st) != 3) {
    ct_fail("target %d: waitpid = %d status 0x%x (4: no SIGUSR1)", (int)target, (int)got, st);
  }
  got = waitpid(bystander, &st, 0);
  if (got != bystander || !WIFEXITED(st) || WEXITSTATUS(st) != 4) {
    ct_fail("bystander %d: waitpid = %d status 0x%x (3: it got the signal)", (int)bystander,
            (int)got, st);
  }
  ct_log("SIGUSR1 reached child %d after restart", (int)target);
  ct_pass();
}
