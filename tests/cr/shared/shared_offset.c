/* tests/cr/shared/shared_offset.c: a file opened before fork is written in turns by the
 * parent and the child through the one offset they share. After the restart the turns go
 * on: nothing is overwritten and the file is exactly what an uninterrupted run writes. */
#include "shared_util.h"

enum { kTurns = 6, kBlock = 1000 };

static void block(char* buf, int turn) {
  for (int i = 0; i < kBlock; ++i) buf[i] = (char)('a' + (turn * 7 + i) % 26);
  buf[kBlock - 1] = '\n';
}

/* Turn t is the parent's when t is even; each side waits for turn file t-1. */
static void take_turns(int fd, int parity, int from, int to) {
  char buf[kBlock], name[32];
  for (int t = from; t < to; ++t) {
    if (t % 2 != parity) continue;
    if (t > 0) {
      snprintf(name, sizeof name, "turn.%d", t - 1);
      su_wait(name);
    }
    block(buf, t);
    CT_CHECK(write(fd, buf, kBlock) == kBlock);
    snprintf(name, sizeof name, "turn.%d", t);
    su_put(name, "1");
  }
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int fd = open(ct_path("shared.txt"), O_RDWR | O_CREAT | O_TRUNC, 0600);
  CT_CHECK(fd >= 0);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    take_turns(fd, 1, 0, kTurns);
    su_wait_go();
    take_turns(fd, 1, kTurns, 2 * kTurns);
    long off = (long)lseek(fd, 0, SEEK_CUR);
    char msg[64];
    snprintf(msg, sizeof msg, "%s %ld", off == 2L * kTurns * kBlock ? "ok" : "bad", off);
    su_put("child.result", msg);
    _exit(0);
  }
  take_turns(fd, 0, 0, kTurns);
  su_wait("turn.5");

  ct_checkpoint_point();

  take_turns(fd, 0, kTurns, 2 * kTurns);
  const char* res = su_wait("child.result");
  if (strncmp(res, "ok", 2) != 0) ct_fail("child: %s", res);
  CT_CHECK(lseek(fd, 0, SEEK_CUR) == 2L * kTurns * kBlock);
  char got[kBlock], want[kBlock];
  for (int t = 0; t < 2 * kTurns; ++t) {
    CT_CHECK(pread(fd, got, kBlock, (off_t)t * kBlock) == kBlock);
    block(want, t);
    if (memcmp(got, want, kBlock) != 0) ct_fail("block %d of the shared file differs", t);
  }
  ct_pass();
}
