// libckpt/core/fd_check.cc: before the image is written, every fd must be one the core can
// re-create or one a plugin claimed. Otherwise this process fails the round, naming each
// such fd, its target and what to do (fd_messages.cc); the coordinator aborts the round and
// the application goes on. Checkpoint path: yes (raw syscalls, stack buffers).
#include "core/fd_check.h"

#include "core/fd_detail.h"
#include "core/fd_messages.h"
#include "core/fd_table.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kGetsockopt = 55;
constexpr int kSolSocket = 1;
constexpr int kSoType = 3;
constexpr int kSoDomain = 39;
constexpr int kMaxNamed = 4;

int sockopt(int fd, int opt) {
  int v = -1;
  unsigned len = sizeof v;
  sys::call(kGetsockopt, fd, kSolSocket, opt, &v, &len);
  return v;
}

const char* hint(const FdRecord& rec, const char* path) {
  if (rec.kind == kFdSocket) {
    return fd_msg::socket_hint(sockopt(rec.fd, kSoDomain), sockopt(rec.fd, kSoType));
  }
  if (sys::str_eq(path, "anon_inode:[eventpoll]")) return fd_msg::epoll_hint();
  if (sys::str_eq(path, "anon_inode:inotify")) return fd_msg::inotify_hint();
  if (rec.kind == kFdRegular) return fd_msg::mqueue_hint();
  return fd_msg::unknown_hint();
}

}  // namespace

bool check_fds_supported(char* why, size_t cap) {
  scan_fds();
  ProcessState& p = rt().proc;
  sys::Fmt f(why, cap);
  int bad = 0;
  for (int i = 0; i < p.nfds; ++i) {
    if (fd_details().fds[i].sub != FdSub::kUnsupported) continue;
    if (bad > 0 && bad < kMaxNamed) f.s("; ");
    if (bad < kMaxNamed) {
      const char* path = p.fd_paths + p.fds[i].path_off;
      fd_msg::unsupported(f, p.fds[i].fd, path, hint(p.fds[i], path));
    }
    bad++;
  }
  if (bad > kMaxNamed) fd_msg::more_unsupported(f, bad - kMaxNamed);
  return bad == 0;
}

}  // namespace ckpt
