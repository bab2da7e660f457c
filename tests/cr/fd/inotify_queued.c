/* tests/cr/fd/inotify_queued.c: inotify events queued but not read at the checkpoint come
 * back after it, in order, with their wds, masks and names: poll sees the fd readable, a
 * small buffer takes one event, a large one the rest; then the queue is empty (no stray
 * event), and an event made after the restart follows as usual. */
#include "ct.h"

#include <poll.h>
#include <stdio.h>
#include <sys/inotify.h>

struct expect {
  int wd;
  uint32_t mask;
  const char* name;
};

/* Checks the events in buf[0, n) against want[*at...]; returns how many it checked. */
static int check_events(const char* buf, ssize_t n, const struct expect* want, int at) {
  int k = 0;
  for (ssize_t off = 0; off < n; ++k) {
    struct inotify_event ev;
    memcpy(&ev, buf + off, sizeof ev);
    const char* name = ev.len > 0 ? buf + off + sizeof ev : "";
    const struct expect* w = &want[at + k];
    ct_log("event wd %d mask %#x name '%s'\n", ev.wd, ev.mask, name);
    CT_CHECK(ev.wd == w->wd && ev.mask == w->mask && strcmp(name, w->name) == 0);
    off += (ssize_t)(sizeof ev + ev.len);
  }
  return k;
}

static void touch(const char* dir, const char* name) {
  char p[600];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  CT_CHECK(close(open(p, O_CREAT | O_WRONLY, 0600)) == 0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char dir[512], file[512], gone[600];
  snprintf(dir, sizeof dir, "%s", ct_path("watched"));
  snprintf(file, sizeof file, "%s", ct_path("watched.txt"));
  CT_CHECK(mkdir(dir, 0700) == 0);
  CT_CHECK(close(open(file, O_CREAT | O_WRONLY, 0600)) == 0);
  int in = inotify_init1(IN_CLOEXEC);
  CT_CHECK(in >= 0);
  int wdir = inotify_add_watch(in, dir, IN_CREATE | IN_DELETE);
  int wfile = inotify_add_watch(in, file, IN_MODIFY);
  CT_CHECK(wdir > 0 && wfile > wdir);
  touch(dir, "a");
  touch(dir, "longer-name-b");
  int fd = open(file, O_WRONLY | O_APPEND);
  CT_CHECK(fd >= 0 && write(fd, "x", 1) == 1);
  snprintf(gone, sizeof gone, "%s/a", dir);
  CT_CHECK(unlink(gone) == 0);
  const struct expect want[] = {
      {wdir, IN_CREATE, "a"}, {wdir, IN_CREATE, "longer-name-b"}, {wfile, IN_MODIFY, ""},
      {wdir, IN_DELETE, "a"}, {wdir, IN_CREATE, "c"}};

  ct_checkpoint_point();

  struct pollfd p = {in, POLLIN, 0};
  CT_CHECK(poll(&p, 1, 2000) == 1 && (p.revents & POLLIN));
  char buf[4096] __attribute__((aligned(8)));
  ssize_t n = read(in, buf, sizeof(struct inotify_event) + 20); /* room for one event */
  CT_CHECK(n > 0);
  int seen = check_events(buf, n, want, 0);
  CT_CHECK(seen == 1);
  n = read(in, buf, sizeof buf);
  CT_CHECK(n > 0);
  seen += check_events(buf, n, want, seen);
  CT_CHECK(seen == 4);
  CT_CHECK(poll(&p, 1, 0) == 0); /* nothing else is queued */
  touch(dir, "c");
  n = read(in, buf, sizeof buf);
  CT_CHECK(check_events(buf, n, want, 4) == 1);
  CT_CHECK(fcntl(in, F_SETFL, fcntl(in, F_GETFL) | O_NONBLOCK) == 0);
  CT_CHECK(read(in, buf, sizeof buf) == -1 && errno == EAGAIN);
  ct_pass();
}
