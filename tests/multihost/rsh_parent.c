/* tests/multihost/rsh_parent.c
 * Remote launch under ckpt: this process (a member on its host) starts a worker on another
 * host through a remote-shell agent, the way mpirun's rsh launcher does (fork + execvp of
 * the agent). libckpt rewrites the agent's remote command into `ckpt launch --join`, so
 * the worker joins the same coordinator; the driver checks both are members and takes a
 * checkpoint of both. Usage: rsh_parent AGENT HOST WORKER WORKER_CONTROL_DIR
 * (the worker is host_counter; the agent passes the environment on, as netns-rsh does). */
#include <stdio.h>
#include <sys/wait.h>

#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  CT_CHECK(argc == 5);
  char host[256] = {0};
  CT_CHECK(gethostname(host, sizeof host - 1) == 0);
  ct_log("parent host=%s", host);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child == 0) {
    setenv("CT_CONTROL", argv[4], 1);
    char* args[] = {argv[1], argv[2], argv[3], "7", "3000000", NULL};
    execvp(argv[1], args);
    _exit(127);
  }

  ct_checkpoint_point(); /* driver: both are members; checkpoint without kill; "go" */

  int status = 0;
  CT_CHECK(waitpid(child, &status, 0) == child);
  CT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ct_pass();
}
