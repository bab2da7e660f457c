/* tests/plugin/apps/forker.c: N processes (argv[1], default 3: the parent and N-1 forked
 * children) that wait at the checkpoint point; the children report into files, since a
 * restarted child is not its parent's child (no waitpid). */
#include <stdio.h>
#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int n = argc > 1 ? atoi(argv[1]) : 3;
  for (int i = 1; i < n; ++i) {
    pid_t pid = fork();
    CT_CHECK(pid >= 0);
    if (pid == 0) {
      const char* control = getenv("CT_CONTROL");
      char go[512], done[64];
      snprintf(go, sizeof go, "%s/go", control ? control : ".");
      while (control != NULL && access(go, F_OK) != 0) ct_sleep_ms(10);
      snprintf(done, sizeof done, "child%d.done", i);
      close(open(ct_path(done), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
      _exit(0);
    }
  }
  ct_checkpoint_point();
  for (int i = 1; i < n; ++i) {
    char done[64];
    snprintf(done, sizeof done, "child%d.done", i);
    while (access(ct_path(done), F_OK) != 0) ct_sleep_ms(10);
  }
  ct_pass();
}
