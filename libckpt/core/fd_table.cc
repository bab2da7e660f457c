// libckpt/core/fd_table.cc: see fd_table.h. Checkpoint path: yes.
#include "core/fd_table.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "core/pipe_table.h"
#include "core/runtime.h"
#include "core/shared_fds.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

struct Dirent64 {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[1];
};

// Calls fn(fd) for every open fd (read from /proc/self/fd), except the listing fd itself.
template <typename Fn>
void for_each_fd(Fn fn) {
  long dir = sys::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    return;
  }
  char buf[4096];
  long n;
  while ((n = sys::getdents64(static_cast<int>(dir), buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<Dirent64*>(buf + off);
      off += d->reclen;
      if (d->name[0] >= '0' && d->name[0] <= '9') {
        int fd = static_cast<int>(sys::parse_u64(d->name, nullptr));
        if (fd != dir) fn(fd);
      }
    }
  }
  sys::close(static_cast<int>(dir));
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

void capture_one(int fd) {
  Runtime& r = rt();
  ProcessState& p = r.proc;
  if (fd == r.coord_fd || fd == r.log_fd || p.nfds >= kMaxFds) {
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
  if (rec.kind == kFdPipe && sys::starts_with(path, "pipe:[")) {
    rec.pipe_ino = sys::parse_u64(path + 6, nullptr);
  }
  rec.path_off = p.fd_paths_used;
  rec.path_len = static_cast<uint32_t>(n);
  p.fd_paths_used += static_cast<uint32_t>(n) + 1;
  p.nfds++;
}

bool reopenable(const FdRecord& rec, const char* path) {
  if (path[0] != '/' || sys::ends_with(path, " (deleted)")) return false;
  if (rec.kind == kFdRegular || rec.kind == kFdDirectory) return true;
  return rec.kind == kFdCharDev && !is_terminal_path(path);
}

void reopen(const FdRecord& rec, const char* path) {
  int flags = rec.status_flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
  long fd = sys::open(path, flags | O_CLOEXEC);
  if (fd < 0) {
    CKPT_LOG(kError, "fd {}: cannot reopen {} ({}); it stays closed", rec.fd, path, fd);
    return;
  }
  if (fd != rec.fd) {
    sys::dup3(static_cast<int>(fd), rec.fd, (rec.fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0);
    sys::close(static_cast<int>(fd));
  } else if (!(rec.fd_flags & FD_CLOEXEC)) {
    sys::fcntl(rec.fd, F_SETFD, 0);
  }
  if (rec.kind == kFdRegular) {
    sys::lseek(rec.fd, rec.offset, SEEK_SET);
  }
}

}  // namespace

void capture_fds() {
  ProcessState& p = rt().proc;
  p.nfds = 0;
  p.fd_paths_used = 0;
  for_each_fd(capture_one);
  drain_internal_pipes();
}

void close_fds_from(int first) {
  for_each_fd([first](int fd) {
    if (fd >= first) sys::close(fd);
  });
}

void restore_fds() {
  ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds; ++i) {
    const FdRecord& rec = p.fds[i];
    const char* path = p.fd_paths + rec.path_off;
    CKPT_LOG(kDebug, "restore fd {} kind {} flags {} path {}", rec.fd, rec.kind, rec.status_flags,
             path);
    if (share_restores_fd(rec.fd)) continue;  // after the "restart" barrier (shared_fds.h)
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
}

}  // namespace ckpt
