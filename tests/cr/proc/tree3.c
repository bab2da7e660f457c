/* tests/cr/proc/tree3.c
 * A fork tree of three levels (root -> child -> grandchild): after restart every process
 * sees the pid and parent pid it saw before, and each parent reaps its child with the
 * child's exit status. Children report through their exit status (no pipes). */
#include <stdio.h>
#include <sys/wait.h>

#include "ct.h"

static void wait_file(const char* path) {
  while (access(path, F_OK) != 0) ct_sleep_ms(10);
}

/* One process of the tree at `level` (0 = root): forks the next level, then checks its
 * own ids across the checkpoint and reaps its child. Returns only in the root. */
static void run_level(int level) {
  pid_t self = getpid(), parent = getppid();
  pid_t child = -1;
  if (level < 2) {
    child = fork();
    CT_CHECK(child >= 0);
    if (child == 0) {
      run_level(level + 1);
      return;
    }
    char name[32];
    snprintf(name, sizeof name, "ready.%d", level + 1);
    wait_file(ct_path(name));
  }
  if (level > 0) {
    char name[32];
    snprintf(name, sizeof name, "ready.%d", level);
    int fd = open(ct_path(name), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    CT_CHECK(fd >= 0);
    close(fd);
  }

  ct_checkpoint_point();

  if (getpid() != self || getppid() != parent) {
    ct_fail("level %d: pid %d ppid %d before, %d %d after", level, (int)self, (int)parent,
            (int)getpid(), (int)getppid());
  }
  if (child > 0) {
    int st = 0;
    pid_t got = waitpid(child, &st, 0);
    if (got != child || !WIFEXITED(st) || WEXITSTATUS(st) != 10 + level + 1) {
      ct_fail("level %d: waitpid(%d) = %d status 0x%x", level, (int)child, (int)got, st);
    }
  }
  if (level > 0) _exit(10 + level);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  run_level(0);
  ct_log("tree of 3 levels kept its pids and parents");
  ct_pass();
}
