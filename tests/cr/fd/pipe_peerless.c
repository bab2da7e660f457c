/* tests/cr/fd/pipe_peerless.c
 * Pipe ends whose other end is closed everywhere (make 4.3 keeps such a read end):
 * - a read end whose write end was closed with 5000 bytes still in the pipe (at fd 9,
 *   a dup at fd 12 with O_NONBLOCK on the description): after a restart the same bytes,
 *   then EOF, on both fds;
 * - a write end whose read end was closed: a write fails with EPIPE (SIGPIPE ignored).
 * poll() must report POLLHUP on the read end again. */
#include <poll.h>
#include <stdio.h>

#include "ct.h"

enum { kBytes = 5000 };

int main(int argc, char** argv) {
  ct_init(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  int a[2], b[2];
  CT_CHECK(pipe(a) == 0 && pipe(b) == 0);
  CT_CHECK(dup2(a[0], 9) == 9 && dup2(9, 12) == 12 && dup2(b[1], 10) == 10);
  close(a[0]);
  close(b[1]);
  char data[kBytes];
  for (int i = 0; i < kBytes; ++i) data[i] = (char)('a' + i % 23);
  CT_CHECK(write(a[1], data, kBytes) == kBytes);
  close(a[1]);  /* fd 9's pipe: no writer anywhere, bytes in flight */
  close(b[0]);  /* fd 10's pipe: no reader anywhere */
  CT_CHECK(fcntl(12, F_SETFL, O_NONBLOCK) == 0);

  ct_checkpoint_point();

  struct pollfd pfd = {9, POLLIN, 0};
  CT_CHECK(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP) && (pfd.revents & POLLIN));
  CT_CHECK((fcntl(9, F_GETFL) & O_NONBLOCK) && (fcntl(12, F_GETFL) & O_NONBLOCK));
  char got[kBytes + 100];
  ssize_t n = read(9, got, 1000);
  CT_CHECK(n == 1000);
  ssize_t m = read(12, got + 1000, sizeof got - 1000);
  if (m != kBytes - 1000 || memcmp(got, data, kBytes) != 0) {
    ct_fail("read %zd + %zd bytes, expected %d identical ones", n, m, kBytes);
  }
  CT_CHECK(read(9, got, 1) == 0 && read(12, got, 1) == 0);  /* EOF, not EAGAIN */
  errno = 0;
  CT_CHECK(write(10, "x", 1) == -1 && errno == EPIPE);
  ct_log("peerless pipe ends: %d bytes then EOF, EPIPE on the lone write end", kBytes);
  ct_pass();
}
