/* tests/cr/signal/term_stop.c: a program whose SIGTERM handler cleans up state it still
 * needs while it runs, as mpirun removes its session directory: it creates
 * session/marker in its scratch dir and, on SIGTERM, deletes both and exits 3. Under
 * `ckpt launch --stop-on-term` a SIGTERM must checkpoint and end the program without the
 * handler running, so that the restored program finds its session dir (checked after the
 * checkpoint point). The harness case cr/signal/term_stop sends the SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct.h"

static char g_dir[512];
static char g_marker[512];

static void clean_up(int sig) {
  (void)sig;
  unlink(g_marker);
  rmdir(g_dir);
  _exit(3);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  snprintf(g_dir, sizeof g_dir, "%s", ct_path("session"));
  snprintf(g_marker, sizeof g_marker, "%s", ct_path("session/marker"));
  CT_CHECK(mkdir(g_dir, 0700) == 0);
  FILE* f = fopen(g_marker, "w");
  CT_CHECK(f != NULL);
  CT_CHECK(fputs("session\n", f) >= 0 && fclose(f) == 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = clean_up;
  CT_CHECK(sigaction(SIGTERM, &sa, NULL) == 0);

  ct_checkpoint_point();

  char buf[16] = {0};
  f = fopen(g_marker, "r");
  if (f == NULL) ct_fail("%s is gone: the SIGTERM handler ran before the restart", g_marker);
  CT_CHECK(fgets(buf, sizeof buf, f) != NULL && strcmp(buf, "session\n") == 0);
  fclose(f);
  ct_pass();
}
