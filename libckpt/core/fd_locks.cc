// libckpt/core/fd_locks.cc: see fd_locks.h. Checkpoint path: yes.
#include "core/fd_locks.h"

#include <fcntl.h>
#include <sys/file.h>

#include "core/fd_detail.h"
#include "core/fd_kinds.h"
#include "core/runtime.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr int kMaxLocks = 256;
constexpr long kFlockSyscall = 73;

enum class LockKind : int { kPosix, kFlock, kOfd };

struct HeldLock {
  int rec;  // index in ProcessState::fds
  int fd;
  LockKind kind;
  bool write;
  int64_t start;
  int64_t end;  // inclusive; -1: to the end of the file
};

HeldLock g_locks[kMaxLocks];
int g_nlocks;
char g_info[8192];

const char* skip_field(const char* s) {
  while (*s == ' ' || *s == '\t') ++s;
  while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n') ++s;
  while (*s == ' ' || *s == '\t') ++s;
  return s;
}

// One "lock:\t1: POSIX  ADVISORY  WRITE 1234 08:01:56 0 EOF" line (after "lock:").
void parse_lock_line(int rec, int fd, const char* s) {
  s = skip_field(s);  // "1:"
  if (sys::starts_with(s, "->") || g_nlocks >= kMaxLocks) return;  // a waiter, not a holder
  HeldLock l{rec, fd, LockKind::kPosix, false, 0, -1};
  if (sys::starts_with(s, "FLOCK")) {
    l.kind = LockKind::kFlock;
  } else if (sys::starts_with(s, "OFDLCK")) {
    l.kind = LockKind::kOfd;
  } else if (!sys::starts_with(s, "POSIX")) {
    return;  // leases and others: not restored
  }
  s = skip_field(skip_field(s));  // kind, ADVISORY/MANDATORY
  l.write = sys::starts_with(s, "WRITE");
  s = skip_field(skip_field(skip_field(s)));  // mode, pid, dev:inode
  l.start = static_cast<int64_t>(sys::parse_u64(s, &s));
  while (*s == ' ') ++s;
  l.end = sys::starts_with(s, "EOF") ? -1 : static_cast<int64_t>(sys::parse_u64(s, nullptr));
  g_locks[g_nlocks++] = l;
}

void capture_fd_locks(int rec, int fd) {
  if (read_fdinfo(fd, g_info, sizeof g_info) <= 0) return;
  for (const char* line = g_info; *line != '\0';) {
    if (sys::starts_with(line, "lock:")) parse_lock_line(rec, fd, line + 5);
    while (*line != '\0' && *line != '\n') ++line;
    if (*line == '\n') ++line;
  }
}

long take_lock(const HeldLock& l) {
  if (l.kind == LockKind::kFlock) {
    return sys::call(kFlockSyscall, l.fd, (l.write ? LOCK_EX : LOCK_SH) | LOCK_NB);
  }
  struct flock fl{};
  fl.l_type = static_cast<short>(l.write ? F_WRLCK : F_RDLCK);
  fl.l_whence = SEEK_SET;
  fl.l_start = l.start;
  fl.l_len = l.end < 0 ? 0 : l.end - l.start + 1;
  int cmd = l.kind == LockKind::kOfd ? F_OFD_SETLK : F_SETLK;
  return sys::fcntl(l.fd, cmd, reinterpret_cast<long>(&fl));
}

}  // namespace

void capture_locks() {
  ProcessState& p = rt().proc;
  g_nlocks = 0;
  for (int i = 0; i < p.nfds; ++i) {
    const FdRecord& rec = p.fds[i];
    if (rec.kind == kFdRegular || rec.kind == kFdDirectory) capture_fd_locks(i, rec.fd);
  }
}

void retake_posix_locks() {
  for (int i = 0; i < g_nlocks; ++i) {
    if (g_locks[i].kind == LockKind::kPosix) take_lock(g_locks[i]);
  }
}

void restore_locks() {
  const ProcessState& p = rt().proc;
  for (int i = 0; i < g_nlocks; ++i) {
    const HeldLock& l = g_locks[i];
    long rc = take_lock(l);
    if (rc < 0) {
      CKPT_LOG(kWarn, "fd {} ({}): cannot take its lock again ({}): another process holds it",
               l.fd, p.fd_paths + p.fds[l.rec].path_off, rc);
    }
  }
}

}  // namespace ckpt
