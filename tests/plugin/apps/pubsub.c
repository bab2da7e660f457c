/* tests/plugin/apps/pubsub.c: two processes (parent and forked child) for the example-db
 * publish/subscribe plugin; each prints its own pid after the checkpoint point. */
#include <stdio.h>
#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  setenv("PUBSUB_ROLE", "parent", 1);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  const char* role = child == 0 ? "child" : "parent";
  if (child == 0) setenv("PUBSUB_ROLE", "child", 1);
  char name[32];
  snprintf(name, sizeof name, "%s.out", role);
  CT_CHECK(freopen(ct_path(name), "a", stdout) != NULL);
  ct_checkpoint_point();
  printf("%s: my pid is %d\n", role, (int)getpid());
  fflush(stdout);
  if (child == 0) _exit(0);
  /* No waitpid: after a restart both processes are children of `ckpt restart` (the
   * process tree is the pid plugin's business); the driver waits for both. */
  ct_pass();
}
