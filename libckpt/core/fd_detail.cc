// libckpt/core/fd_detail.cc: the FdDetail table, fdinfo parsing and the classification of
// each captured fd into its FdSub (see fd_detail.h). Checkpoint path: yes.
#include "core/fd_detail.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "core/fd_claims.h"
#include "core/fd_files.h"
#include "core/fd_kinds.h"
#include "core/proc_maps.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

FdDetails g_details;
constexpr long kKcmp = 312;
constexpr long kFstatfs = 138;
constexpr long kMqueueMagic = 0x19800202;

bool is_mqueue(int fd) {
  long st[15] = {};  // struct statfs: f_type first
  return sys::call(kFstatfs, fd, st) == 0 && st[0] == kMqueueMagic;
}
constexpr int kKcmpFile = 0;

bool is_std_inherited(const FdRecord& rec, const char* path) {
  if (rec.fd > 2) return false;
  return rec.kind == kFdPipe || rec.kind == kFdSocket || sys::starts_with(path, "/dev/pts/") ||
         sys::starts_with(path, "/dev/tty") || sys::str_eq(path, "/dev/console");
}

// An earlier record sharing this one's open file description (dup, dup2, F_DUPFD), or -1.
int find_dup(int idx) {
  ProcessState& p = rt().proc;
  const FdRecord& rec = p.fds[idx];
  long pid = sys::getpid();
  for (int j = 0; j < idx; ++j) {
    const FdRecord& o = p.fds[j];
    if (o.kind != rec.kind || o.path_len != rec.path_len ||
        !sys::str_eq(p.fd_paths + o.path_off, p.fd_paths + rec.path_off) ||
        g_details.fds[j].sub == FdSub::kClaimed) {
      continue;  // a dup has the same target
    }
    if (sys::call(kKcmp, pid, pid, kKcmpFile, o.fd, rec.fd) == 0) {
      return g_details.fds[j].sub == FdSub::kDup ? g_details.fds[j].dup_of : j;
    }
  }
  return -1;
}

FdSub anon_kind(const char* path) {
  if (sys::str_eq(path, "anon_inode:[eventfd]")) return FdSub::kEventfd;
  if (sys::str_eq(path, "anon_inode:[timerfd]")) return FdSub::kTimerfd;
  if (sys::str_eq(path, "anon_inode:[signalfd]")) return FdSub::kSignalfd;
  if (sys::str_eq(path, "anon_inode:[eventpoll]")) return FdSub::kEpoll;
  if (sys::str_eq(path, "anon_inode:inotify")) return FdSub::kInotify;
  return FdSub::kUnsupported;
}

void classify_anon(int idx, const char* path) {
  const FdRecord& rec = rt().proc.fds[idx];
  FdDetail& d = g_details.fds[idx];
  char info[8192];
  d.sub = anon_kind(path);
  if (d.sub == FdSub::kUnsupported || read_fdinfo(rec.fd, info, sizeof info) < 0) {
    d.sub = FdSub::kUnsupported;
    return;
  }
  bool ok = true;
  switch (d.sub) {
    case FdSub::kEventfd: capture_eventfd(d, info); break;
    case FdSub::kTimerfd: capture_timerfd(rec.fd, d, info); break;
    case FdSub::kSignalfd: capture_signalfd(d, info); break;
    case FdSub::kEpoll: ok = capture_epoll(d, info); break;
    case FdSub::kInotify: ok = capture_inotify(rec.fd, d, info); break;
    default: break;
  }
  if (!ok) d.sub = FdSub::kUnsupported;
}

}  // namespace

FdDetails& fd_details() { return g_details; }

long read_fdinfo(int fd, char* buf, unsigned long cap) {
  char p[48];
  sys::Fmt(p, sizeof p).s("/proc/self/fdinfo/").i(fd);
  long n = read_proc_file(p, buf, cap - 1);
  buf[n > 0 ? n : 0] = '\0';
  return n;
}

uint64_t fdinfo_value(const char* text, const char* key, int base, uint64_t fallback) {
  size_t klen = sys::str_len(key);
  for (const char* s = text; *s != '\0'; ++s) {
    if ((s == text || s[-1] == '\n' || s[-1] == ' ') && sys::starts_with(s, key)) {
      const char* v = s + klen;
      while (*v == ' ' || *v == '\t') ++v;
      return sys::parse_u64(v, nullptr, base);
    }
  }
  return fallback;
}

void classify_fd(int idx, const char* path) {
  const FdRecord& rec = rt().proc.fds[idx];
  FdDetail& d = g_details.fds[idx];
  sys::mem_zero(&d, sizeof d);
  d.dup_of = -1;
  d.restored_fd = -1;
  d.file.content_of = -1;
  if (fd_is_claimed(rec.fd)) {
    d.sub = FdSub::kClaimed;
    return;
  }
  if (is_std_inherited(rec, path)) {
    d.sub = FdSub::kInherited;
    return;
  }
  int dup = find_dup(idx);
  if (dup >= 0) {
    d.sub = FdSub::kDup;
    d.dup_of = dup;
    return;
  }
  if (rec.status_flags & O_PATH) return;  // reopened by path, whatever it names
  if (sys::starts_with(path, "anon_inode:")) {
    classify_anon(idx, path);
  } else if (rec.kind == kFdSocket) {
    d.sub = FdSub::kUnsupported;
  } else if (rec.kind == kFdRegular && is_mqueue(rec.fd)) {
    d.sub = FdSub::kUnsupported;
  } else if (rec.kind == kFdRegular) {
    capture_file_identity(idx, path);
  } else if (rec.kind == kFdCharDev && (sys::str_eq(path, "/dev/ptmx") ||
                                        sys::str_eq(path, "/dev/pts/ptmx") ||
                                        sys::starts_with(path, "/dev/pts/"))) {
    char info[1024];
    read_fdinfo(rec.fd, info, sizeof info);
    capture_pty(idx, path, info);
  }
}

long place_fd(long tmp, const FdRecord& rec) {
  if (tmp < 0) return tmp;
  int cloexec = (rec.fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0;
  if (tmp != rec.fd) {
    long rc = sys::dup3(static_cast<int>(tmp), rec.fd, cloexec);
    sys::close(static_cast<int>(tmp));
    if (rc < 0) return rc;
  } else {
    sys::fcntl(rec.fd, F_SETFD, cloexec ? FD_CLOEXEC : 0);
  }
  sys::fcntl(rec.fd, F_SETFL, rec.status_flags);
  return 0;
}

}  // namespace ckpt
