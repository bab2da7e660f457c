/* tests/cr/socket/shared_dgram.c
 * Unix datagram socketpairs between a parent and its child: one split (each process closed
 * the end it does not use: the pair's owner re-makes it and passes the child its end), one
 * whose two ends both processes keep (each reads only its own end). Datagrams go both ways
 * on both pairs before and after the checkpoint, each checked; after it the child also
 * reports the inode of its copy of the kept pair's first end, which must be the parent's
 * (one socket again, not one per process). */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "stream_check.h"

static void ping(int fd, const char* tag, int n) {
  char msg[64];
  int len = snprintf(msg, sizeof msg, "%s %d", tag, n);
  CT_CHECK(send(fd, msg, (size_t)len, 0) == len);
}

static void pong(int fd, const char* tag, int n) {
  char want[64], got[64];
  int len = snprintf(want, sizeof want, "%s %d", tag, n);
  ssize_t r;
  while ((r = recv(fd, got, sizeof got, 0)) < 0 && errno == EINTR) {
  }
  if (r != len || memcmp(got, want, (size_t)len) != 0) ct_fail("expected '%s'", want);
}

static void rounds(int child, int split, int mine, int from, int to) {
  for (int n = from; n < to; ++n) {
    if (child) {
      pong(split, "down", n), pong(mine, "kept-down", n);
      ping(split, "up", n), ping(mine, "kept-up", n);
    } else {
      ping(split, "down", n), ping(mine, "kept-down", n);
      pong(split, "up", n), pong(mine, "kept-up", n);
    }
  }
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char result[4096];
  snprintf(result, sizeof result, "%s", ct_path("child.result"));
  int split[2], kept[2];
  CT_CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, split) == 0);
  CT_CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, kept) == 0);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  int child = pid == 0;
  close(split[child ? 0 : 1]);
  int s = split[child ? 1 : 0], mine = kept[child ? 1 : 0];
  rounds(child, s, mine, 0, 5);

  ct_checkpoint_point();

  rounds(child, s, mine, 5, 10);
  struct stat st;
  CT_CHECK(fstat(kept[0], &st) == 0);
  if (child) {
    CT_CHECK(send(s, &st.st_ino, sizeof st.st_ino, 0) == sizeof st.st_ino);
    put_result(result, 'k');
    _exit(0);
  }
  ino_t theirs = 0;
  CT_CHECK(recv(s, &theirs, sizeof theirs, 0) == sizeof theirs);
  if (theirs != st.st_ino) ct_fail("the kept pair is two sockets: inode %lu here, %lu in the child",
                                   (unsigned long)st.st_ino, (unsigned long)theirs);
  CT_CHECK(wait_result(result) == 'k');
  ct_pass();
}
