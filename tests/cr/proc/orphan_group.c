/* tests/cr/proc/orphan_group.c
 * A process group whose leader has exited survives a restart: A creates a group, B and C
 * (children of the root, like a shell's pipeline) join it, and A exits and is reaped.
 * After restart B and C still see getpgrp() == A, the root sees getpgid() == A for both,
 * and kill(-A, SIGUSR1) reaches both of them and not the root. The kernel's own pgid of B
 * and C (past the pid plugin) is A too: the group's placeholder leader got A back. */
#include "ct.h" /* first: it defines _GNU_SOURCE */

#include <sys/syscall.h>
#include <sys/wait.h>

static volatile sig_atomic_t g_got;

static void on_usr1(int sig) {
  g_got = sig;
}

static void touch(const char* name) {
  int fd = open(ct_path(name), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
}

static void wait_file(const char* name) {
  while (access(ct_path(name), F_OK) != 0)
    ct_sleep_ms(10);
}

static void member(pid_t group, const char* name) {
  CT_CHECK(setpgid(0, group) == 0);
  touch(name);
  ct_checkpoint_point();
  if (getpgrp() != group || getpgid(0) != group) {
    ct_fail("%s: pgrp %d, want %d", name, (int)getpgrp(), (int)group);
  }
  long real = ct_raw_syscall1(SYS_getpgid, 0);
  if (real != group) {
    ct_fail("%s: the kernel's pgid is %ld, want the saved %d", name, real, (int)group);
  }
  for (int i = 0; i < 500 && !g_got; ++i)
    ct_sleep_ms(10);
  _exit(g_got == SIGUSR1 ? 3 : 4);
}

static void reap(pid_t pid, int want) {
  int st = 0;
  pid_t got = waitpid(pid, &st, 0);
  if (got != pid || !WIFEXITED(st) || WEXITSTATUS(st) != want) {
    ct_fail("waitpid(%d) = %d status 0x%x, want exit %d", (int)pid, (int)got, st, want);
  }
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  CT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  pid_t a = fork();
  CT_CHECK(a >= 0);
  if (a == 0) {
    CT_CHECK(setpgid(0, 0) == 0);
    touch("a.ready");
    wait_file("c.ready");
    _exit(0);
  }
  wait_file("a.ready");
  pid_t b = fork();
  CT_CHECK(b >= 0);
  if (b == 0) member(a, "b.ready");
  wait_file("b.ready");
  pid_t c = fork();
  CT_CHECK(c >= 0);
  if (c == 0) member(a, "c.ready");
  reap(a, 0); /* the group's leader is gone; B and C keep the group */
  wait_file("c.ready");
  CT_CHECK(getpgid(b) == a && getpgid(c) == a);

  ct_checkpoint_point();

  if (getpgid(b) != a || getpgid(c) != a) {
    ct_fail("root: pgid of B %d, of C %d, want %d", (int)getpgid(b), (int)getpgid(c), (int)a);
  }
  CT_CHECK(getpgrp() != a);
  CT_CHECK(kill(-a, SIGUSR1) == 0);
  reap(b, 3);
  reap(c, 3);
  if (g_got) ct_fail("root got the group's signal");
  ct_log("group %d without its leader kept its members", (int)a);
  ct_pass();
}
