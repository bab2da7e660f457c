/* tests/cr/shared/append_log.c: a parent and its child write lines to one O_APPEND log
 * opened before fork, before and after the checkpoint. Every line arrives whole, once. */
#include "shared_util.h"

enum { kLines = 3000 };

static void write_lines(int fd, char who, int from, int to) {
  for (int i = from; i < to; ++i) {
    char line[64];
    int n = snprintf(line, sizeof line, "%c %06d %s\n", who, i, "0123456789abcdef");
    CT_CHECK(write(fd, line, (size_t)n) == n);
  }
}

static int count_lines(const char* path, int* per) {
  FILE* f = fopen(path, "r");
  CT_CHECK(f != NULL);
  char line[128];
  int next[2] = {0, 0}, bad = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    char who;
    int i;
    char tail[32];
    if (sscanf(line, "%c %d %31s", &who, &i, tail) != 3 || (who != 'P' && who != 'C') ||
        strcmp(tail, "0123456789abcdef") != 0 || i != next[who == 'C']) {
      bad++;
      continue;
    }
    next[who == 'C']++;
  }
  fclose(f);
  per[0] = next[0];
  per[1] = next[1];
  return bad;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  const char* log = ct_path("app.log");
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  CT_CHECK(fd >= 0);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    write_lines(fd, 'C', 0, kLines);
    su_put("child.ready", "1");
    su_wait_go();
    write_lines(fd, 'C', kLines, 2 * kLines);
    su_put("child.result", "ok");
    _exit(0);
  }
  write_lines(fd, 'P', 0, kLines);
  su_wait("child.ready");

  ct_checkpoint_point();

  write_lines(fd, 'P', kLines, 2 * kLines);
  su_wait("child.result");
  int per[2];
  int bad = count_lines(log, per);
  if (bad != 0 || per[0] != 2 * kLines || per[1] != 2 * kLines) {
    ct_fail("log: %d bad lines, %d parent lines, %d child lines", bad, per[0], per[1]);
  }
  ct_pass();
}
