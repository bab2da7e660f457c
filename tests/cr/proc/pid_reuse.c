/* tests/cr/proc/pid_reuse.c
 * After a restart, the kernel may give a new child the real pid that an older child had
 * before the checkpoint (its virtual pid, still in use). ns_last_pid steers the kernel
 * there: the new child must get another pid, and both children stay distinct. */
#include <stdio.h>
#include <sys/wait.h>

#include "ct.h"

/* The next fork gets `pid` if it is free (root; other processes may race us). */
static void steer_next_pid(pid_t pid) {
  int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
  CT_CHECK(fd >= 0);
  char buf[16];
  int n = snprintf(buf, sizeof buf, "%d", (int)pid - 1);
  CT_CHECK(write(fd, buf, (size_t)n) == n);
  close(fd);
}

static void expect_exit(pid_t pid, int code) {
  int st = 0;
  pid_t got = waitpid(pid, &st, 0);
  if (got != pid || !WIFEXITED(st) || WEXITSTATUS(st) != code) {
    ct_fail("waitpid(%d) = %d status 0x%x, expected exit %d", (int)pid, (int)got, st, code);
  }
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pid_t old = fork();
  CT_CHECK(old >= 0);
  if (old == 0) {
    int fd = open(ct_path("old.ready"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    CT_CHECK(fd >= 0);
    close(fd);
    ct_checkpoint_point();
    while (access(ct_path("done"), F_OK) != 0) ct_sleep_ms(10);
    _exit(11);
  }
  while (access(ct_path("old.ready"), F_OK) != 0) ct_sleep_ms(10);

  ct_checkpoint_point();

  for (int i = 0; i < 5; ++i) {
    steer_next_pid(old);
    pid_t young = fork();
    CT_CHECK(young >= 0);
    if (young == 0) _exit(getpid() == old ? 13 : 12);
    if (young == old) ct_fail("new child got pid %d, the pid of a living child", (int)young);
    expect_exit(young, 12);
  }
  int fd = open(ct_path("done"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
  expect_exit(old, 11);
  ct_log("new children never took the pid of child %d", (int)old);
  ct_pass();
}
