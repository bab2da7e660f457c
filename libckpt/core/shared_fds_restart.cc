// libckpt/core/shared_fds_restart.cc: see shared_fds.h (restart side). Runs in the
// checkpoint thread after the "restart" barrier, before any application thread runs.
// Every temporary fd is first moved above every saved fd number, so placing one fd never
// overwrites another that is still to be placed. Checkpoint path: yes.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "ckpt/plugin.h"
#include "core/fd_share.h"
#include "core/shared_fd_table.h"
#include "core/shared_fds.h"
#include "core/shared_memory.h"
#include "core/shared_ptys.h"
#include "image/node_local.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kMknod = 133;

constexpr int kSetPipeSz = 1031;

int g_above;               // first fd number above every saved one
int g_temp[kMaxFds];       // per table entry: received fd, or FIFO holder kept for a refill
int g_close[2 * kMaxFds];  // pipe ends offered by this process, closed after the exchange
int g_nclose;

int highest_saved_fd() {
  const ProcessState& p = rt().proc;
  const SharedTable& t = shared_table();
  int above = 3;
  for (int i = 0; i < p.nfds; ++i) above = p.fds[i].fd >= above ? p.fds[i].fd + 1 : above;
  for (int i = 0; i < t.n; ++i) above = t.fds[i].fd >= above ? t.fds[i].fd + 1 : above;
  return above;
}

const char* saved_path(int fd) {
  const ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds; ++i) {
    if (p.fds[i].fd == fd) return p.fd_paths + p.fds[i].path_off;
  }
  return "";
}

void place(int temp, const SharedFd& s) {
  sys::dup3(temp, s.fd, (s.fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0);
  sys::fcntl(s.fd, F_SETFL, s.status_flags);
  if (s.fd == 2 && rt().log_fd >= 0) sys::dup3(2, rt().log_fd, O_CLOEXEC);  // as restore_fds
}

bool is_read_end(const SharedFd& s) { return (s.status_flags & O_ACCMODE) == O_RDONLY; }

// The exchange key of a pipe end, or of a shared file description (saved at checkpoint).
void wanted_key(char* out, size_t cap, const SharedFd& s) {
  if (s.kind == kShareFile) {
    sys::str_copy(out, s.key, cap);
  } else if (s.kind == kSharePtySlave || s.kind == kSharePtyMaster) {
    pty_exchange_key(out, cap, s);
  } else {
    sys::Fmt(out, cap).s("p:").u(s.ino).c(is_read_end(s) ? 'r' : 'w');
  }
}

// Leader: a new pipe with the saved capacity and bytes; both ends offered.
void recreate_pipe(int idx) {
  SharedTable& t = shared_table();
  const SharedFd& f = t.fds[idx];
  int ends[2];
  long rc = sys::call(sys::kPipe2, ends, O_CLOEXEC | O_NONBLOCK);  // place() sets the saved flags
  if (rc < 0) {
    CKPT_LOG(kError, "fd {}: cannot re-create its pipe ({})", f.fd, rc);
    return;
  }
  for (int& e : ends) e = move_fd_above(e, g_above);
  if (f.pipe_size > 0) sys::fcntl(ends[1], kSetPipeSz, f.pipe_size);
  if (f.data_len > 0 && sys::write_all(ends[1], t.bytes + f.data_off, f.data_len) < 0) {
    CKPT_LOG(kError, "fd {}: could not refill {} bytes", f.fd, f.data_len);
  }
  char key[64];
  sys::Fmt(key, sizeof key).s("p:").u(f.ino).c('r');
  ckpt_fd_offer(key, ends[0]);
  sys::Fmt(key, sizeof key).s("p:").u(f.ino).c('w');
  ckpt_fd_offer(key, ends[1]);
  g_close[g_nclose++] = ends[0];
  g_close[g_nclose++] = ends[1];
  for (int i = idx; i < t.n; ++i) {
    const SharedFd& s = t.fds[i];
    if (s.kind == kSharePipe && s.first == f.fd) place(ends[is_read_end(s) ? 0 : 1], s);
  }
}

// A node-local FIFO (an Open MPI session directory's, say) is missing on a new host: made
// again (mode 0600, the directories above it 0700; image/node_local.h). A FIFO's bytes are
// saved with the fd, not with the file.
void make_missing_fifo(const char* path) {
  struct stat st;
  if (!image::is_node_local(path) || sys::call(sys::kStat, path, &st) != -ENOENT) return;
  image::make_parent_dirs(path);
  long r = sys::call(kMknod, path, S_IFIFO | 0600, 0);
  if (r == 0) CKPT_LOG(kInfo, "FIFO {} was missing on host {}: made again", path, rt().host);
}

// Named FIFO: reopened by path. A read-write holder makes the open of a write end succeed
// before any reader is back; the leader keeps it to refill the bytes after the exchange.
void reopen_fifo(int idx) {
  const SharedFd& s = shared_table().fds[idx];
  const char* path = saved_path(s.fd);
  make_missing_fifo(path);
  long holder = sys::open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (holder >= 0) holder = move_fd_above(static_cast<int>(holder), g_above);
  int flags = s.status_flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
  long fd = sys::open(path, flags | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    CKPT_LOG(kError, "fd {}: cannot reopen the FIFO {} ({})", s.fd, path, fd);
  } else {
    fd = move_fd_above(static_cast<int>(fd), g_above);
    place(static_cast<int>(fd), s);
    sys::close(static_cast<int>(fd));
  }
  bool refill = s.leader && s.first == s.fd && s.data_len > 0;
  if (holder >= 0 && !refill) sys::close(static_cast<int>(holder));
  g_temp[idx] = refill ? static_cast<int>(holder) : -1;
}

// The master's holder: a slave of the re-created master for the processes that had one.
void offer_pty_slave(const SharedFd& s, const char* key) {
  long fd = pty_reopen_slave(s);
  if (fd < 0) {
    CKPT_LOG(kError, "fd {}: cannot open a slave of the pty {} ({})", s.fd, s.ino, fd);
    return;
  }
  int above = move_fd_above(static_cast<int>(fd), g_above);
  ckpt_fd_offer(key, above);
  g_close[g_nclose++] = above;
}

void prepare(int idx) {
  const SharedFd& s = shared_table().fds[idx];
  char key[64];
  wanted_key(key, sizeof key, s);
  if (s.kind == kSharePtyMaster) {
    if (s.first == s.fd) offer_pty_slave(s, key);
  } else if (s.kind == kShareFifo) {
    reopen_fifo(idx);
  } else if (s.kind == kSharePipe && s.leader) {
    if (s.first == s.fd) recreate_pipe(idx);
  } else if (s.kind == kShareFile && s.leader) {
    ckpt_fd_offer(key, s.fd);
  } else if (s.kind != kShareNone) {
    ckpt_fd_want(key);
  }
}

bool receives(const SharedFd& s) {
  return (s.kind == kSharePipe || s.kind == kShareFile || s.kind == kSharePtySlave) &&
         !s.leader;
}

// Followers: each received fd (or a dup of the one an earlier fd with the same key got),
// moved above the saved numbers first, then placed.
void take_received() {
  SharedTable& t = shared_table();
  for (int i = 0; i < t.n; ++i) {
    if (!receives(t.fds[i])) continue;
    char key[64], other[64];
    wanted_key(key, sizeof key, t.fds[i]);
    g_temp[i] = ckpt_fd_received(key);
    for (int j = 0; j < i && g_temp[i] < 0; ++j) {
      wanted_key(other, sizeof other, t.fds[j]);
      if (receives(t.fds[j]) && g_temp[j] >= 0 && sys::str_eq(key, other)) {
        g_temp[i] = static_cast<int>(sys::fcntl(g_temp[j], F_DUPFD_CLOEXEC, g_above));
      }
    }
    if (g_temp[i] < 0) CKPT_LOG(kError, "fd {}: nobody passed {} at restart", t.fds[i].fd, key);
    if (g_temp[i] >= 0) g_temp[i] = move_fd_above(g_temp[i], g_above);
  }
  for (int i = 0; i < t.n; ++i) {
    if (!receives(t.fds[i]) || g_temp[i] < 0) continue;
    place(g_temp[i], t.fds[i]);
  }
}

void refill_fifos_and_close() {
  SharedTable& t = shared_table();
  for (int i = 0; i < t.n; ++i) {
    const SharedFd& s = t.fds[i];
    if (g_temp[i] < 0) continue;
    if (s.kind == kShareFifo &&
        sys::write_all(g_temp[i], t.bytes + s.data_off, s.data_len) < 0) {
      CKPT_LOG(kError, "fd {}: could not refill {} bytes into its FIFO", s.fd, s.data_len);
    }
    sys::close(g_temp[i]);
    g_temp[i] = -1;
  }
  for (int i = 0; i < g_nclose; ++i) sys::close(g_close[i]);
  g_nclose = 0;
}

}  // namespace

void share_restart() {
  SharedTable& t = shared_table();
  g_above = highest_saved_fd();
  g_nclose = 0;
  for (int i = 0; i < t.n; ++i) g_temp[i] = -1;
  for (int i = 0; i < t.n; ++i) prepare(i);
  shm_restart_prepare();
  int rc = ckpt_fd_exchange("ckpt-share");
  if (rc != 0) CKPT_LOG(kError, "fd exchange at restart failed ({})", rc);
  shm_restart_finish();  // first: closes its fds before any saved number is filled
  take_received();
  refill_fifos_and_close();
  for (int i = 0; i < t.n; ++i) t.fds[i].data_len = 0;  // refilled: never again
}

}  // namespace ckpt
