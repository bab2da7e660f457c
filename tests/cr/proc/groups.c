/* tests/cr/proc/groups.c
 * Sessions and process groups survive a restart: A calls setsid(); in A's session, B leads
 * a new group and C joins it (like a shell's pipeline). Every process compares getpgid,
 * getsid and getpgrp after the restart with what it saw before, and A checks B's and C's. */
#include <stdio.h>
#include <sys/wait.h>

#include "ct.h"

struct ids {
  pid_t pgid, sid, pgrp;
};

static struct ids ids_of(pid_t pid) {
  struct ids r = {getpgid(pid), getsid(pid), pid == 0 ? getpgrp() : 0};
  return r;
}

static void touch(const char* name) {
  int fd = open(ct_path(name), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
}

static void wait_file(const char* name) {
  while (access(ct_path(name), F_OK) != 0) ct_sleep_ms(10);
}

static void same_ids(const char* who, struct ids before, struct ids after) {
  if (before.pgid != after.pgid || before.sid != after.sid || before.pgrp != after.pgrp) {
    ct_fail("%s: pgid/sid/pgrp %d/%d/%d before, %d/%d/%d after", who, (int)before.pgid,
            (int)before.sid, (int)before.pgrp, (int)after.pgid, (int)after.sid,
            (int)after.pgrp);
  }
}

static void reap_ok(pid_t pid) {
  int st = 0;
  pid_t got = waitpid(pid, &st, 0);
  if (got != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    ct_fail("waitpid(%d) = %d status 0x%x", (int)pid, (int)got, st);
  }
}

/* B or C: a member of B's group. */
static void group_member(const char* name, pid_t leader) {
  if (leader != 0) CT_CHECK(setpgid(0, leader) == 0);
  struct ids before = ids_of(0);
  touch(name);
  ct_checkpoint_point();
  same_ids(name, before, ids_of(0));
  _exit(0);
}

static void session_leader(void) {
  CT_CHECK(setsid() == getpid());
  pid_t b = fork();
  CT_CHECK(b >= 0);
  if (b == 0) {
    CT_CHECK(setpgid(0, 0) == 0);
    group_member("b.ready", 0);
  }
  CT_CHECK(setpgid(b, b) == 0 || errno == EACCES);
  pid_t c = fork();
  CT_CHECK(c >= 0);
  if (c == 0) group_member("c.ready", b);
  wait_file("b.ready");
  wait_file("c.ready");
  struct ids self = ids_of(0), of_b = ids_of(b), of_c = ids_of(c);
  CT_CHECK(self.sid == getpid() && of_b.pgid == b && of_c.pgid == b && of_c.sid == getpid());
  touch("a.ready");
  ct_checkpoint_point();
  same_ids("A", self, ids_of(0));
  same_ids("B seen by A", of_b, ids_of(b));
  same_ids("C seen by A", of_c, ids_of(c));
  reap_ok(b);
  reap_ok(c);
  _exit(0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  struct ids root = ids_of(0);
  pid_t a = fork();
  CT_CHECK(a >= 0);
  if (a == 0) session_leader();
  wait_file("a.ready");
  struct ids of_a = ids_of(a);

  ct_checkpoint_point();

  same_ids("root", root, ids_of(0));
  same_ids("A seen by root", of_a, ids_of(a));
  reap_ok(a);
  ct_log("sessions and process groups kept");
  ct_pass();
}
