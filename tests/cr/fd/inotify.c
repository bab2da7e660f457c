/* tests/cr/fd/inotify.c: inotify watches (a directory for IN_CREATE, a file for IN_MODIFY,
 * with a removed watch in between so the numbers are not 1..n) come back with their wd
 * numbers and masks: events after the restart name the original wds. */
#include "ct.h"

#include <sys/inotify.h>
#include <stdio.h>

static int next_event(int fd, struct inotify_event* ev, char* name, size_t cap) {
  char buf[4096] __attribute__((aligned(8)));
  ssize_t n = read(fd, buf, sizeof buf);
  CT_CHECK(n >= (ssize_t)sizeof *ev);
  memcpy(ev, buf, sizeof *ev);
  name[0] = '\0';
  if (ev->len > 0) snprintf(name, cap, "%.200s", buf + sizeof *ev);
  return 1;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char dir[512], file[512], other[512];
  snprintf(dir, sizeof dir, "%s", ct_path("watched"));
  snprintf(file, sizeof file, "%s", ct_path("watched.txt"));
  snprintf(other, sizeof other, "%s", ct_path("other.txt"));
  CT_CHECK(mkdir(dir, 0700) == 0);
  CT_CHECK(close(open(file, O_CREAT | O_WRONLY, 0600)) == 0);
  CT_CHECK(close(open(other, O_CREAT | O_WRONLY, 0600)) == 0);
  int in = inotify_init1(IN_CLOEXEC);
  CT_CHECK(in >= 0);
  int gone = inotify_add_watch(in, other, IN_ALL_EVENTS);
  int wdir = inotify_add_watch(in, dir, IN_CREATE);
  int wfile = inotify_add_watch(in, file, IN_MODIFY);
  CT_CHECK(gone > 0 && wdir > gone && wfile > wdir);
  CT_CHECK(inotify_rm_watch(in, gone) == 0);
  struct inotify_event ev;
  char name[256];
  next_event(in, &ev, name, sizeof name);  /* the IN_IGNORED of the removed watch */
  CT_CHECK(ev.wd == gone && (ev.mask & IN_IGNORED));

  ct_checkpoint_point();

  CT_CHECK(fcntl(in, F_GETFD) & FD_CLOEXEC);
  char created[600];
  snprintf(created, sizeof created, "%s/new", dir);
  CT_CHECK(close(open(created, O_CREAT | O_WRONLY, 0600)) == 0);
  next_event(in, &ev, name, sizeof name);
  CT_CHECK(ev.wd == wdir && (ev.mask & IN_CREATE) && strcmp(name, "new") == 0);
  int fd = open(file, O_WRONLY | O_APPEND);
  CT_CHECK(write(fd, "x", 1) == 1);
  next_event(in, &ev, name, sizeof name);
  CT_CHECK(ev.wd == wfile && (ev.mask & IN_MODIFY));
  CT_CHECK(write(open(other, O_WRONLY), "y", 1) == 1);  /* no longer watched */
  int nb = fcntl(in, F_GETFL);
  CT_CHECK(fcntl(in, F_SETFL, nb | O_NONBLOCK) == 0);
  CT_CHECK(read(in, name, sizeof name) == -1 && errno == EAGAIN);
  ct_pass();
}
