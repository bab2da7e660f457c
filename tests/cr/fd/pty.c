/* tests/cr/fd/pty.c: a pty whose master and slave are both in this process keeps its
 * terminal settings (raw-ish termios, a custom erase char, window size) and its name; after
 * a restart bytes written on the master are read on the slave through the line discipline. */
#include "ct.h"

#include <termios.h>
#include <sys/ioctl.h>

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
  t.c_lflag &= ~(ECHO | ECHOE);
  t.c_oflag &= ~OPOST;
  t.c_cc[VERASE] = 0x08;
  CT_CHECK(tcsetattr(s, TCSANOW, &t) == 0);
  struct winsize ws = {.ws_row = 33, .ws_col = 111};
  CT_CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0);

  ct_checkpoint_point();

  struct termios t2;
  CT_CHECK(tcgetattr(s, &t2) == 0);
  CT_CHECK(t2.c_lflag == t.c_lflag && t2.c_oflag == t.c_oflag && t2.c_iflag == t.c_iflag);
  CT_CHECK(t2.c_cc[VERASE] == 0x08);
  struct winsize ws2;
  CT_CHECK(ioctl(s, TIOCGWINSZ, &ws2) == 0 && ws2.ws_row == 33 && ws2.ws_col == 111);
  char name2[64];
  CT_CHECK(ptsname_r(m, name2, sizeof name2) == 0);
  if (strcmp(name, name2) != 0) ct_log("pty renamed %s -> %s (the old one was taken)", name, name2);
  CT_CHECK(write(m, "hellx\bo\n", 8) == 8);  /* canonical mode: backspace erases */
  char buf[64];
  ssize_t n = read(s, buf, sizeof buf);
  CT_CHECK(n == 6 && memcmp(buf, "hello\n", 6) == 0);
  CT_CHECK(write(s, "out", 3) == 3);  /* no echo of the input came back */
  n = read(m, buf, sizeof buf);
  CT_CHECK(n == 3 && memcmp(buf, "out", 3) == 0);
  ct_pass();
}
