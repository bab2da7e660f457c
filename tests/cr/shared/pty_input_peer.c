/* tests/cr/shared/pty_input_peer.c: a pty whose master is in the parent and whose slave is
 * the child's stdin (canonical, echo on). What the parent wrote that the child had not read
 * at the checkpoint (a line and a partial line) is read by the child after it, line by line;
 * the parent sees no second echo, and the partial line goes on with what it writes next. */
#include "shared_util.h" /* first: ct.h defines _GNU_SOURCE */

#include <poll.h>
#include <sys/wait.h>

static void child(int master, const char* name) {
  close(master);
  int slave = open(name, O_RDWR | O_NOCTTY);
  CT_CHECK(slave >= 0 && dup2(slave, 0) == 0);
  close(slave);
  su_put("child.ready", "1");
  su_wait_go();
  char a[64] = "", b[64] = "";
  ssize_t n = read(0, a, sizeof a - 1);
  ssize_t m = read(0, b, sizeof b - 1);
  char result[160];
  snprintf(result, sizeof result, "%zd:%s|%zd:%s", n, n > 0 ? a : "", m, m > 0 ? b : "");
  su_put("child.result", result);
  _exit(0);
}

/* Reads what the master has (echo) until it is quiet for `ms` or `want` bytes came. */
static size_t drain(int m, int ms, size_t want) {
  char buf[256];
  size_t got = 0;
  struct pollfd p = {m, POLLIN, 0};
  while (got < want && poll(&p, 1, ms) == 1) {
    ssize_t n = read(m, buf, sizeof buf);
    if (n <= 0) break;
    got += (size_t)n;
  }
  return got;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  CT_CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
  char name[64];
  CT_CHECK(ptsname_r(master, name, sizeof name) == 0);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) child(master, name);
  su_wait("child.ready");
  CT_CHECK(write(master, "to child\npart", 13) == 13);
  CT_CHECK(drain(master, 10000, 14) == 14); /* the echo: "to child\r\npart" */

  ct_checkpoint_point();

  CT_CHECK(drain(master, 300, 1) == 0); /* no second echo */
  CT_CHECK(write(master, "ial\n", 4) == 4);
  uint64_t deadline = ct_now_ns() + 10ull * 1000000000ull;
  while (access(ct_path("child.result"), F_OK) != 0) {
    if (ct_now_ns() > deadline) {
      kill(pid, SIGKILL);
      ct_fail("the child read nothing in 10 s");
    }
    ct_sleep_ms(5);
  }
  const char* r = su_wait("child.result");
  if (strcmp(r, "9:to child\n|8:partial\n") != 0) ct_fail("child read '%s'", r);
  waitpid(pid, NULL, WNOHANG);
  ct_pass();
}
