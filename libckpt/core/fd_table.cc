// libckpt/core/fd_table.cc: see fd_table.h. Checkpoint path: yes.
#include "core/fd_table.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "core/fd_claims.h"
#include "core/fd_detail.h"
#include "core/fd_files.h"
#include "core/fd_kinds.h"
#include "core/pty_input.h"
#include "core/fd_locks.h"
#include "core/fd_messages.h"
#include "core/pipe_table.h"
#include "core/runtime.h"
#include "core/shared_fds.h"
#include "sys/log.h"
#include "sys/proc_dir.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

bool g_restore_files;

// Calls fn(fd) for every open fd (read from /proc/self/fd), except the listing fd itself.
template <typename Fn>
void for_each_fd(Fn fn) {
  sys::for_each_number("/proc/self/fd", true, [&](long fd) { fn(static_cast<int>(fd)); });
}

int kind_of(unsigned mode) {
  if (S_ISREG(mode)) return kFdRegular;
  if (S_ISDIR(mode)) return kFdDirectory;
  if (S_ISCHR(mode)) return kFdCharDev;
  if (S_ISFIFO(mode)) return kFdPipe;
  if (S_ISSOCK(mode)) return kFdSocket;
  return kFdOther;
}

bool is_terminal_path(const char* p) {
  return sys::starts_with(p, "/dev/pts/") || sys::starts_with(p, "/dev/tty") ||
         sys::str_eq(p, "/dev/console");
}

const char* path_of(const FdRecord& rec) { return rt().proc.fd_paths + rec.path_off; }

void capture_one(int fd) {
  Runtime& r = rt();
  ProcessState& p = r.proc;
  if (fd == r.coord_fd || fd == r.log_fd || is_internal_fd(fd) || p.nfds >= kMaxFds) {
    return;
  }
  FdRecord& rec = p.fds[p.nfds];
  char link[64];
  sys::Fmt(link, sizeof link).s("/proc/self/fd/").i(fd);
  char* path = p.fd_paths + p.fd_paths_used;
  long cap = static_cast<long>(kFdPathArena - p.fd_paths_used) - 1;
  long n = cap > 0 ? sys::readlink(link, path, static_cast<size_t>(cap)) : -1;
  struct stat st;
  if (n < 0 || sys::call(sys::kFstat, fd, &st) < 0) {
    return;
  }
  path[n] = '\0';
  rec.fd = fd;
  rec.kind = kind_of(st.st_mode);
  rec.status_flags = static_cast<int>(sys::fcntl(fd, F_GETFL));
  rec.fd_flags = static_cast<int>(sys::fcntl(fd, F_GETFD));
  rec.offset = (rec.kind == kFdRegular) ? sys::lseek(fd, 0, SEEK_CUR) : 0;
  rec.pipe_ino = 0;
  rec.data_len = 0;
  rec.peerless = 0;
  if (rec.kind == kFdPipe && sys::starts_with(path, "pipe:[")) {
    rec.pipe_ino = sys::parse_u64(path + 6, nullptr);
    rec.peerless = pipe_end_peerless(fd, rec.status_flags & O_ACCMODE);
  }
  rec.path_off = p.fd_paths_used;
  rec.path_len = static_cast<uint32_t>(n);
  p.fd_paths_used += static_cast<uint32_t>(n) + 1;
  p.nfds++;
}

bool reopenable(const FdRecord& rec, const char* path) {
  if (path[0] != '/' || sys::ends_with(path, " (deleted)")) return false;
  if (rec.status_flags & O_PATH) return true;
  return rec.kind == kFdRegular || rec.kind == kFdDirectory || rec.kind == kFdCharDev ||
         rec.kind == kFdOther;
}

// A terminal at fd > 2 that is also a standard fd's: share what `ckpt restart` gave us.
bool dup_std_terminal(const FdRecord& rec, const char* path) {
  ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds && is_terminal_path(path); ++i) {
    if (p.fds[i].fd <= 2 && sys::str_eq(path_of(p.fds[i]), path)) {
      sys::dup3(p.fds[i].fd, rec.fd, (rec.fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0);
      return true;
    }
  }
  return false;
}

void reopen(const FdRecord& rec, const char* path) {
  if (rec.fd > 2 && dup_std_terminal(rec, path)) return;
  int flags = rec.status_flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
  long fd = sys::open(path, flags | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    CKPT_LOG(kError, "fd {}: cannot reopen {} ({}); it stays closed", rec.fd, path, fd);
    return;
  }
  place_fd(fd, rec);
  if (rec.kind == kFdRegular) {
    sys::lseek(rec.fd, rec.offset, SEEK_SET);
  }
}

void restore_plain(int i) {
  ProcessState& p = rt().proc;
  const FdRecord& rec = p.fds[i];
  const char* path = path_of(rec);
  if (reopenable(rec, path)) {
    reopen(rec, path);
  } else if (is_internal_pipe(rec)) {
    bool first = true;
    for (int j = 0; j < i; ++j) first &= p.fds[j].pipe_ino != rec.pipe_ino;
    if (first) restore_internal_pipe(rec);
  } else if (rec.fd > 2) {
    CKPT_LOG(kWarn, "fd {} ({}) not restored: no plugin handles this kind yet", rec.fd, path);
  }
}

long restore_one(int i) {
  const FdRecord& rec = rt().proc.fds[i];
  const FdDetail& d = fd_details().fds[i];
  switch (d.sub) {
    case FdSub::kPlain: restore_plain(i); return 0;
    case FdSub::kUnlinked:
    case FdSub::kMemfd: return restore_unlinked(i);
    case FdSub::kEventfd: return restore_eventfd(rec, d);
    case FdSub::kTimerfd: return restore_timerfd(rec, d);
    case FdSub::kSignalfd: return restore_signalfd(rec, d);
    case FdSub::kEpoll: return restore_epoll(rec);
    case FdSub::kInotify: return restore_inotify(rec, d);
    case FdSub::kPtyMaster:
    case FdSub::kPtySlave: return restore_pty(i);
    default: return 0;  // claimed, dup'd, inherited: elsewhere
  }
}

[[noreturn]] void files_changed(const char* why) {
  char msg[4096];
  sys::Fmt f(msg, sizeof msg);
  fd_msg::restart_failed(f, rt().exe);
  f.s(why);
  sys::write_all(2, msg, sys::str_len(msg));
  sys::exit_group(1);
}

}  // namespace

void fds_round_begin() {
  clear_fd_claims();
  pty_inputs_reset();  // before the drain: shared ptys save theirs there
}

void scan_fds() {
  ProcessState& p = rt().proc;
  FdDetails& t = fd_details();
  p.nfds = 0;
  p.fd_paths_used = 0;
  t.nepoll = 0;
  t.nwatches = 0;
  t.watch_paths_used = 0;
  for_each_fd(capture_one);
  for (int i = 0; i < p.nfds; ++i) classify_fd(i, path_of(p.fds[i]));
  link_ptys();
}

void capture_fds() {
  scan_fds();
  for (int i = 0; i < rt().proc.nfds; ++i) {
    if (fd_details().fds[i].sub == FdSub::kInotify) capture_inotify_queue(rt().proc.fds[i].fd);
  }
  pty_inputs_capture(true);
  capture_locks();
  long rc = save_file_contents();
  if (rc < 0) CKPT_LOG(kError, "cannot reserve memory for file contents ({})", rc);
  drain_internal_pipes();
}

void fds_after_image() {
  release_file_contents();
  pty_inputs_capture(false);
  inotify_queues_after_image();
}

void set_restore_files(bool on) { g_restore_files = on; }

void close_fds_from(int first) {
  for_each_fd([first](int fd) {
    if (fd >= first) sys::close(fd);
  });
}

void restore_fds() {
  ProcessState& p = rt().proc;
  char why[2048];
  if (!check_files(g_restore_files, why, sizeof why)) files_changed(why);
  for (int i = 0; i < p.nfds; ++i) {
    const FdRecord& rec = p.fds[i];
    CKPT_LOG(kDebug, "restore fd {} kind {} sub {} flags {} path {}", rec.fd, rec.kind,
             static_cast<int>(fd_details().fds[i].sub), rec.status_flags, path_of(rec));
    if (share_restores_fd(rec.fd)) continue;  // after the "restart" barrier (shared_fds.h)
    long rc = restore_one(i);
    if (rc < 0) CKPT_LOG(kError, "fd {} ({}): cannot re-create it ({})", rec.fd, path_of(rec), rc);
  }
  for (int i = 0; i < p.nfds; ++i) {
    const FdDetail& d = fd_details().fds[i];
    if (d.sub == FdSub::kDup && !share_restores_fd(p.fds[i].fd)) {
      const FdRecord& rec = p.fds[i];
      sys::dup3(p.fds[d.dup_of].fd, rec.fd, (rec.fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0);
    }
  }
  finish_unlinked();
  fill_epolls(false);
}

void restore_fds_after_plugins() {
  fill_epolls(true);
  restore_locks();
  clear_fd_claims();
}

}  // namespace ckpt
