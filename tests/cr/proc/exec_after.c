/* tests/cr/proc/exec_after.c
 * exec after the checkpoint: a child restarted from the image execs this program again
 * (which checks that its pid and parent pid survived the exec), another execs /bin/true,
 * and the restarted parent posix_spawns this program (which checks that its parent pid is
 * the parent's pid of before). The parent reaps all three with their exit status. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "ct.h"

extern char** environ;

/* The exec'd copy: argv = PROG --exec-check PID PPID. */
static int exec_check(char** argv) {
  long pid = strtol(argv[2], NULL, 10), ppid = strtol(argv[3], NULL, 10);
  if ((pid != 0 && getpid() != pid) || getppid() != ppid) {
    ct_log("after exec: pid %d ppid %d, expected %ld %ld", (int)getpid(), (int)getppid(),
           pid, ppid);
    return 3;
  }
  return 5;
}

static pid_t start_child(const char* self_path, const char* tag) {
  pid_t parent = getpid();
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child > 0) return child;
  int fd = open(ct_path(tag), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
  ct_checkpoint_point();
  if (tag[0] == 's') {
    char pid[16], ppid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    snprintf(ppid, sizeof ppid, "%d", (int)parent);
    execl(self_path, self_path, "--exec-check", pid, ppid, (char*)NULL);
  } else {
    execl("/bin/true", "true", (char*)NULL);
  }
  _exit(9);
}

static void reap(pid_t child, int code) {
  int st = 0;
  pid_t got = waitpid(child, &st, 0);
  if (got != child || !WIFEXITED(st) || WEXITSTATUS(st) != code) {
    ct_fail("waitpid(%d) = %d status 0x%x, expected exit %d", (int)child, (int)got, st, code);
  }
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "--exec-check") == 0) return exec_check(argv);
  ct_init(argc, argv);
  char self_path[4096];
  ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
  CT_CHECK(n > 0);
  self_path[n] = '\0';
  pid_t again = start_child(self_path, "self.ready");
  pid_t other = start_child(self_path, "true.ready");
  while (access(ct_path("self.ready"), F_OK) != 0 || access(ct_path("true.ready"), F_OK) != 0) {
    ct_sleep_ms(10);
  }

  ct_checkpoint_point();

  reap(again, 5);
  reap(other, 0);
  char ppid[16];
  snprintf(ppid, sizeof ppid, "%d", (int)getpid());
  char* spawn_argv[] = {self_path, "--exec-check", "0", ppid, NULL};
  pid_t spawned = -1;
  CT_CHECK(posix_spawn(&spawned, self_path, NULL, NULL, spawn_argv, environ) == 0);
  reap(spawned, 5);
  ct_log("children exec'd after the checkpoint");
  ct_pass();
}
