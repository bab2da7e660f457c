/* tests/cr/shared/pipe_widowed.c
 * A pipe whose write end is closed everywhere, its read end held by a parent and its
 * child, 6000 bytes in flight. After a restart both hold the same pipe again: the child
 * reads the first 2000 bytes and exits with a checksum, then the parent reads the other
 * 4000 and EOF (a pipe re-created per process would hand both the whole 6000). */
#include <sys/wait.h>

#include "ct.h"

enum { kBytes = 6000, kChild = 2000 };

static int sum(const char* p, int n) {
  int s = 0;
  for (int i = 0; i < n; ++i) s = (s * 31 + p[i]) & 0x7f;
  return s;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char data[kBytes];
  for (int i = 0; i < kBytes; ++i) data[i] = (char)('A' + i % 29);
  int p[2];
  CT_CHECK(pipe(p) == 0);
  CT_CHECK(write(p[1], data, kBytes) == kBytes);
  close(p[1]);
  int go[2];  /* the parent lets the child read first */
  CT_CHECK(pipe(go) == 0);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child == 0) {
    close(go[1]);
    ct_checkpoint_point();
    char c;
    if (read(go[0], &c, 1) != 1) _exit(100);
    char got[kChild];
    int n = 0;
    while (n < kChild) {
      ssize_t r = read(p[0], got + n, kChild - n);
      if (r <= 0) _exit(101);
      n += (int)r;
    }
    _exit(sum(got, kChild));
  }
  close(go[0]);
  ct_checkpoint_point();
  CT_CHECK(write(go[1], "g", 1) == 1);
  int st = 0;
  CT_CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st));
  if (WEXITSTATUS(st) != sum(data, kChild)) ct_fail("child status %d", WEXITSTATUS(st));
  char got[kBytes];
  int n = 0;
  for (ssize_t r = 1; r > 0 && n < kBytes; n += r > 0 ? (int)r : 0) {
    r = read(p[0], got + n, sizeof got - (size_t)n);
  }
  if (n != kBytes - kChild || memcmp(got, data + kChild, (size_t)n) != 0) {
    ct_fail("parent read %d bytes, expected the last %d", n, kBytes - kChild);
  }
  CT_CHECK(read(p[0], got, 1) == 0);
  ct_log("widowed pipe shared by two processes: %d + %d bytes, then EOF", kChild, n);
  ct_pass();
}
