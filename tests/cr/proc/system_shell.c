/* tests/cr/proc/system_shell.c
 * system() children stay under ckpt: the main thread is inside system() (SIGCHLD blocked,
 * SIGINT/SIGQUIT ignored, waiting for /bin/sh) when the checkpoint is taken; the shell runs
 * a loop of builtins and blocks opening a FIFO. After a restart a second thread opens the
 * FIFO and writes a word; the shell finishes its loop, writes it out and exits 3, and
 * system() returns that status to the restored main thread. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "ct.h"

static char g_fifo[512], g_out[512], g_started[512];

static void* release_shell(void* arg) {
  (void)arg;
  while (access(g_started, F_OK) != 0) ct_sleep_ms(10);
  ct_checkpoint_point();
  int fd = open(g_fifo, O_WRONLY | O_CLOEXEC);
  CT_CHECK(fd >= 0);
  CT_CHECK(write(fd, "hello\n", 6) == 6);
  close(fd);
  return NULL;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  snprintf(g_fifo, sizeof g_fifo, "%s", ct_path("shell.fifo"));
  snprintf(g_out, sizeof g_out, "%s", ct_path("shell.out"));
  snprintf(g_started, sizeof g_started, "%s", ct_path("shell.started"));
  unlink(g_fifo);
  CT_CHECK(mkfifo(g_fifo, 0600) == 0);
  pthread_t t;
  CT_CHECK(pthread_create(&t, NULL, release_shell, NULL) == 0);
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "i=0; s=0; while [ $i -lt 1000 ]; do s=$((s + i)); i=$((i + 1)); done; "
           ": > '%s'; read w < '%s'; echo \"$w $s\" > '%s'; exit 3",
           g_started, g_fifo, g_out);
  int st = system(cmd);
  CT_CHECK(pthread_join(t, NULL) == 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 3) ct_fail("system() status 0x%x, expected 3", st);
  char buf[64] = {0};
  int fd = open(g_out, O_RDONLY | O_CLOEXEC);
  CT_CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) > 0);
  close(fd);
  if (strcmp(buf, "hello 499500\n") != 0) ct_fail("the shell wrote '%s'", buf);
  struct sigaction sa;
  CT_CHECK(sigaction(SIGINT, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL);  /* restored */
  ct_log("system() returned %d after the restart", WEXITSTATUS(st));
  ct_pass();
}
