/* tests/cr/fd/pty_input.c: bytes the master of a pty wrote that the slave had not read at
 * the checkpoint (a whole line, then a partial line with an erased character, in canonical
 * mode with echo on) are read by the slave after it, line by line as before; the echo is
 * not repeated; the partial line goes on with what the master writes next. */
#include "ct.h"

#include <poll.h>
#include <termios.h>

/* Reads what the master has (the echo) until it is quiet for `ms` or ends with `last`. */
static size_t drain(int m, char* buf, size_t cap, int ms, char last) {
  size_t got = 0;
  struct pollfd p = {m, POLLIN, 0};
  while (got < cap && (got == 0 || buf[got - 1] != last) && poll(&p, 1, ms) == 1) {
    ssize_t n = read(m, buf + got, cap - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  return got;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  CT_CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0);
  char name[64];
  CT_CHECK(ptsname_r(m, name, sizeof name) == 0);
  int s = open(name, O_RDWR | O_NOCTTY);
  CT_CHECK(s >= 0);
  struct termios t;
  CT_CHECK(tcgetattr(s, &t) == 0);
  CT_CHECK((t.c_lflag & ICANON) && (t.c_lflag & ECHO));
  const char in[] = "line one\npartiaX\x7fl";
  CT_CHECK(write(m, in, sizeof in - 1) == (ssize_t)(sizeof in - 1));
  char echo[256];
  size_t echoed = drain(m, echo, sizeof echo, 10000, 'l'); /* up to the echo of the last */
  CT_CHECK(echoed > 0 && echo[echoed - 1] == 'l');

  ct_checkpoint_point();

  char buf[256];
  struct pollfd ps = {s, POLLIN, 0};
  CT_CHECK(poll(&ps, 1, 2000) == 1); /* a whole line waits */
  ssize_t n = read(s, buf, sizeof buf);
  CT_CHECK(n == 9 && memcmp(buf, "line one\n", 9) == 0);
  CT_CHECK(fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK) == 0);
  CT_CHECK(read(m, buf, sizeof buf) == -1 && errno == EAGAIN); /* no second echo */
  CT_CHECK(write(m, " end\n", 5) == 5);
  n = read(s, buf, sizeof buf);
  if (n != 12 || memcmp(buf, "partial end\n", 12) != 0) {
    ct_fail("slave read %zd bytes '%.*s'", n, n > 0 ? (int)n : 0, buf);
  }
  CT_CHECK(drain(m, buf, sizeof buf, 10000, '\n') == 6 && memcmp(buf, " end\r\n", 6) == 0);
  struct termios t2;
  CT_CHECK(tcgetattr(s, &t2) == 0);
  CT_CHECK(t2.c_lflag == t.c_lflag && t2.c_iflag == t.c_iflag && t2.c_cc[VMIN] == t.c_cc[VMIN]);
  ct_pass();
}
