/* tests/cr/proc/popen_reader.c
 * popen() children stay under ckpt: popen("seq 1 N; echo end") runs /bin/sh, which forks
 * seq; seq blocks on the full pipe while the parent has read only part of its output. The
 * checkpoint sees three processes and bytes in flight; after a restart the parent reads
 * every remaining line in order, and pclose() reaps the shell with its exit status. */
#include <stdio.h>
#include <sys/wait.h>

#include "ct.h"

enum { kLines = 200000, kBefore = 1000 };

static long read_number(FILE* fp) {
  char line[64];
  if (fgets(line, sizeof line, fp) == NULL) return -1;
  return strcmp(line, "end\n") == 0 ? 0 : strtol(line, NULL, 10);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "seq 1 %d; echo end; exit 5", kLines);
  FILE* fp = popen(cmd, "r");
  CT_CHECK(fp != NULL);
  for (long want = 1; want <= kBefore; ++want) {
    long got = read_number(fp);
    if (got != want) ct_fail("before the checkpoint: line %ld is %ld", want, got);
  }

  ct_checkpoint_point();

  for (long want = kBefore + 1; want <= kLines; ++want) {
    long got = read_number(fp);
    if (got != want) ct_fail("after the checkpoint: line %ld is %ld", want, got);
  }
  CT_CHECK(read_number(fp) == 0);    /* "end" from the shell itself */
  CT_CHECK(read_number(fp) == -1);   /* then EOF */
  int st = pclose(fp);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 5) ct_fail("pclose status 0x%x, expected exit 5", st);
  ct_log("read %d lines from popen() across the checkpoint", kLines);
  ct_pass();
}
