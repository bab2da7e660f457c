/* tests/cr/shared/pty_peer.c: a pty whose master is in the parent and whose slave is the
 * child's stdout (as mpirun forwards its ranks' output). The child sets the terminal raw
 * (no "\n" -> "\r\n"), writes 3000 bytes that stay unread in the pty at checkpoint time,
 * and after the restart writes more. The parent must read exactly those bytes, in order,
 * with the child's settings kept, and see the end of the output when the child exits. */
#include "shared_util.h" /* first: ct.h defines _GNU_SOURCE */

#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>

enum { kBefore = 3000, kAfter = 2000 };

static void child(int master) {
  close(master);
  struct termios t;
  CT_CHECK(tcgetattr(1, &t) == 0);
  cfmakeraw(&t);
  CT_CHECK(tcsetattr(1, TCSANOW, &t) == 0);
  su_write_pattern(1, 3, 0, kBefore); /* stays in flight: the parent reads after go */
  su_put("child.ready", "1");
  su_wait_go();
  CT_CHECK(tcgetattr(1, &t) == 0);
  if (t.c_oflag & OPOST) su_put("child.result", "bad: output processing is back on");
  su_write_pattern(1, 3, kBefore, kAfter);
  _exit(0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  CT_CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
  char name[64];
  CT_CHECK(ptsname_r(master, name, sizeof name) == 0);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    int slave = open(name, O_RDWR | O_NOCTTY);
    CT_CHECK(slave >= 0 && dup2(slave, 1) == 1);
    close(slave);
    child(master);
  }
  su_wait("child.ready");

  ct_checkpoint_point();

  long bad = su_read_pattern(master, 3, 0, kBefore + kAfter);
  if (bad >= 0) ct_fail("pty bytes differ at %ld (of %d)", bad, kBefore + kAfter);
  char c;
  ssize_t n = read(master, &c, 1); /* the child is gone: EIO, no more bytes */
  if (n != -1 || errno != EIO) ct_fail("after the child's output: read %zd (errno %d)", n, errno);
  int status = 0;
  CT_CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (access(ct_path("child.result"), F_OK) == 0) ct_fail("child: %s", su_wait("child.result"));
  ct_pass();
}
