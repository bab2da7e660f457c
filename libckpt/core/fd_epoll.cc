// libckpt/core/fd_epoll.cc: epoll sets. At checkpoint every registration (target fd, events
// mask with EPOLLET/EPOLLONESHOT..., data) is read from /proc/self/fdinfo/<epfd>; at restart
// the instance is created at its number in the first pass and filled after every other fd is
// back, so readiness comes from the restored targets (a level-triggered wait returns the same
// set; an edge-triggered target that was ready is reported once more). Targets a plugin
// claimed are added after the plugins' RESTART event, when their fds exist again.
// Checkpoint path: yes (raw syscalls, static tables).
#include <fcntl.h>
#include <sys/stat.h>

#include "core/fd_claims.h"
#include "core/fd_kinds.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kEpollCreate1 = 291;
constexpr long kEpollCtl = 233;
constexpr int kEpollCtlAdd = 1;

struct __attribute__((packed)) EpollEvent {
  uint32_t events;
  uint64_t data;
};

// Parses "tfd: N events: HEX data: HEX pos:P ino:HEX sdev:HEX" at s.
void parse_line(const char* s, EpollEntry* e) {
  e->tfd = static_cast<int>(fdinfo_value(s, "tfd:", 10, 0));
  e->events = static_cast<uint32_t>(fdinfo_value(s, "events:", 16, 0));
  e->data = fdinfo_value(s, "data:", 16, 0);
  e->ino = fdinfo_value(s, "ino:", 16, 0);
}

void add_entry(int epfd, const EpollEntry& e) {
  EpollEvent ev{e.events, e.data};
  long rc = sys::call(kEpollCtl, epfd, kEpollCtlAdd, e.tfd, &ev);
  if (rc < 0) CKPT_LOG(kError, "epoll fd {}: cannot add fd {} again ({})", epfd, e.tfd, rc);
}

}  // namespace

bool capture_epoll(FdDetail& d, const char* info) {
  FdDetails& t = fd_details();
  d.list.first = t.nepoll;
  d.list.count = 0;
  bool ok = true;
  for (const char* s = info; *s != '\0'; ++s) {
    if ((s != info && s[-1] != '\n') || !sys::starts_with(s, "tfd:")) continue;
    if (t.nepoll >= kMaxEpollEntries) {
      CKPT_LOG(kError, "more than {} epoll registrations; the rest are not saved",
               kMaxEpollEntries);
      return false;
    }
    EpollEntry& e = t.epoll[t.nepoll];
    parse_line(s, &e);
    struct stat st;
    if (sys::call(sys::kFstat, e.tfd, &st) < 0 || st.st_ino != e.ino) {
      ok = false;  // registered under a number that is now closed or another file
      continue;
    }
    t.nepoll++;
    d.list.count++;
  }
  return ok;
}

long restore_epoll(const FdRecord& rec) {
  return place_fd(sys::call(kEpollCreate1, 0), rec);
}

void fill_epolls(bool claimed_targets) {
  ProcessState& p = rt().proc;
  FdDetails& t = fd_details();
  for (int i = 0; i < p.nfds; ++i) {
    const FdDetail& d = t.fds[i];
    if (d.sub != FdSub::kEpoll) continue;
    for (uint32_t k = d.list.first; k < d.list.first + d.list.count; ++k) {
      if (fd_is_claimed(t.epoll[k].tfd) == claimed_targets) add_entry(p.fds[i].fd, t.epoll[k]);
    }
  }
}

}  // namespace ckpt
