/* tests/plugin/apps/pubsub.c: two processes (parent and forked child) for the example-db
 * publish/subscribe plugin; each prints its own pid after the checkpoint point. */
#include <stdio.h>
#include <sys/wait.h>
#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  setenv("PUBSUB_ROLE", "parent", 1);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  const char* role = child == 0 ? "child" : "parent";
  if (child == 0) setenv("PUBSUB_ROLE", "child", 1);
  ct_checkpoint_point();
  printf("%s: my pid is %d\n", role, (int)getpid());
  fflush(stdout);
  if (child == 0) _exit(0);
  int st = 0;
  CT_CHECK(waitpid(child, &st, 0) >= 0);
  CT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  ct_pass();
}
