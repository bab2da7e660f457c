/* tests/cr/proc/proc_stat.c
 * After restart, the ids inside /proc/<pid>/stat and /proc/<pid>/status are the ones the
 * processes see: a child (leader of its own group) reads /proc/self/stat and
 * /proc/self/status through stdio and compares pid, ppid, pgrp and session with getpid(),
 * getppid(), getpgrp() and getsid(0); the parent reads the child's files with open/read. */
#include "ct.h" /* first: it defines _GNU_SOURCE */

#include <stdio.h>
#include <sys/wait.h>

struct ids {
  long pid, ppid, pgrp, sid;
};

static void expect_ids(const char* what, struct ids got, struct ids want) {
  if (got.pid != want.pid || got.ppid != want.ppid || got.pgrp != want.pgrp ||
      got.sid != want.sid) {
    ct_fail("%s: pid/ppid/pgrp/session %ld/%ld/%ld/%ld, want %ld/%ld/%ld/%ld", what, got.pid,
            got.ppid, got.pgrp, got.sid, want.pid, want.ppid, want.pgrp, want.sid);
  }
}

/* "pid (comm) state ppid pgrp session ...": comm may hold spaces, so parse after ')'. */
static struct ids parse_stat(const char* text) {
  struct ids r = {-1, -1, -1, -1};
  const char* close = strrchr(text, ')');
  CT_CHECK(close != NULL && sscanf(text, "%ld", &r.pid) == 1);
  char state;
  CT_CHECK(sscanf(close + 1, " %c %ld %ld %ld", &state, &r.ppid, &r.pgrp, &r.sid) == 4);
  return r;
}

static long status_field(const char* text, const char* key) {
  const char* p = strstr(text, key);
  long v = -1;
  CT_CHECK(p != NULL && sscanf(p + strlen(key), " %ld", &v) == 1);
  return v;
}

static void read_path(const char* path, char* buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  CT_CHECK(fd >= 0);
  ssize_t n = read(fd, buf, cap - 1);
  CT_CHECK(n > 0);
  buf[n] = '\0';
  close(fd);
}

static void check_self(void) {
  char buf[4096];
  struct ids want = {getpid(), getppid(), getpgrp(), getsid(0)};
  FILE* f = fopen("/proc/self/stat", "r");
  CT_CHECK(f != NULL && fgets(buf, sizeof buf, f) != NULL);
  fclose(f);
  expect_ids("child's /proc/self/stat", parse_stat(buf), want);
  f = fopen("/proc/self/status", "re");
  CT_CHECK(f != NULL);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  expect_ids("child's /proc/self/status (Tgid, PPid, NSpgid, NSsid)",
             (struct ids){status_field(buf, "\nTgid:"), status_field(buf, "\nPPid:"),
                          status_field(buf, "\nNSpgid:"), status_field(buf, "\nNSsid:")},
             want);
  if (status_field(buf, "\nPid:") != want.pid) ct_fail("child's status Pid: differs");
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child == 0) {
    CT_CHECK(setpgid(0, 0) == 0);
    ct_checkpoint_point();
    check_self();
    for (int i = 0; i < 500 && access(ct_path("parent.done"), F_OK) != 0; ++i)
      ct_sleep_ms(10);
    _exit(0); /* alive (not a zombie) while the parent reads its files */
  }
  setpgid(child, child); /* EACCES once the child did it itself */
  ct_checkpoint_point();

  char buf[4096], path[64];
  struct ids want = {child, getpid(), child, getsid(0)};
  snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
  read_path(path, buf, sizeof buf);
  expect_ids("parent's view of /proc/<child>/stat", parse_stat(buf), want);
  snprintf(path, sizeof path, "/proc/%d/status", (int)child);
  read_path(path, buf, sizeof buf);
  if (status_field(buf, "\nPid:") != child || status_field(buf, "\nPPid:") != getpid()) {
    ct_fail("parent's view of /proc/<child>/status: Pid/PPid differ");
  }
  read_path("/proc/self/stat", buf, sizeof buf);
  expect_ids("parent's /proc/self/stat", parse_stat(buf),
             (struct ids){getpid(), getppid(), getpgrp(), getsid(0)});
  int fd = open(ct_path("parent.done"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
  int st = 0;
  CT_CHECK(waitpid(child, &st, 0) == child);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) ct_fail("child failed: status 0x%x", st);
  ct_log("/proc stat and status ids match the virtual ones");
  ct_pass();
}
