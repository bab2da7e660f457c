// libckpt/core/fd_pty.cc: pseudo-terminals whose master is in this process
// (posix_openpt/openpty). Saved: the pty index, the lock state, the window size and, when a
// slave is open in the process, the terminal settings (termios2, read on the slave; nothing
// is opened at checkpoint, which would change what the master reads). At restart /dev/ptmx
// is opened until the kernel hands out the same index (the lower ones are held meanwhile),
// so /dev/pts/<N> keeps its name when it is free; slaves are opened through TIOCGPTPEER and
// get their settings back. Bytes the master wrote that the slave had not read are saved and
// put back (pty_input.h); bytes the slave wrote that the master had not read are not. A slave
// whose master is elsewhere is reopened by path (or shares a standard fd's terminal).
// Checkpoint path: yes (raw syscalls).
#include <fcntl.h>

#include "core/fd_kinds.h"
#include "core/pty_input.h"
#include "core/tty_ioctl.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

using namespace tty;  // NOLINT: the ioctl numbers and helper (tty_ioctl.h)

constexpr int kMaxHeld = 64;

bool is_master_path(const char* path) {
  return sys::str_eq(path, "/dev/ptmx") || sys::str_eq(path, "/dev/pts/ptmx");
}

int find_master(int index) {
  ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds; ++i) {
    const FdDetail& d = fd_details().fds[i];
    if (d.sub == FdSub::kPtyMaster && d.pty.index == index) return i;
  }
  return -1;
}

// Opens `path` until the pty index is `want` (or kMaxHeld tries); returns the master fd.
long open_master(const char* path, int want) {
  long held[kMaxHeld];
  int nheld = 0;
  long fd = -1;
  for (;;) {
    fd = sys::open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    int idx = -1;
    if (fd < 0 || ioctl(fd, kTiocgptn, &idx) < 0 || idx == want || nheld == kMaxHeld) break;
    held[nheld++] = fd;
  }
  for (int i = 0; i < nheld; ++i) sys::close(static_cast<int>(held[i]));
  return fd;
}

void apply_master_settings(long master, const PtyState& s) {
  int unlock = 0;
  ioctl(master, kTiocsptlck, &unlock);  // the slaves are opened through it next
  ioctl(master, kTiocswinsz, s.winsize);
}

}  // namespace

void capture_pty(int idx, const char* path, const char* info) {
  const FdRecord& rec = rt().proc.fds[idx];
  FdDetail& d = fd_details().fds[idx];
  d.pty.peer = -1;
  if (is_master_path(path)) {
    d.sub = FdSub::kPtyMaster;
    d.pty.index = static_cast<int>(fdinfo_value(info, "tty-index:", 10, 0));
    ioctl(rec.fd, kTiocgptlck, &d.pty.locked);
    ioctl(rec.fd, kTiocgwinsz, d.pty.winsize);
  } else {
    d.sub = FdSub::kPtySlave;
    d.pty.index = static_cast<int>(sys::parse_u64(path + 9, nullptr));
  }
}

void link_ptys() {
  ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds; ++i) {
    FdDetail& d = fd_details().fds[i];
    if (d.sub != FdSub::kPtySlave) continue;
    int m = find_master(d.pty.index);
    if (m < 0) {
      d.sub = FdSub::kPlain;  // someone else's terminal: reopened by path
      continue;
    }
    d.pty.peer = m;
    fd_details().fds[m].pty.peer = i;
    d.pty.has_termios = ioctl(p.fds[i].fd, kTcgets2, d.pty.termios) == 0;  // kept on the slave
  }
}

// Masters with a slave in this process: the master's bytes the slave had not read (save) or
// put back into the still-open pty after the image.
void pty_inputs_capture(bool save) {
  ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds; ++i) {
    const FdDetail& d = fd_details().fds[i];
    if (d.sub != FdSub::kPtyMaster || d.pty.peer < 0) continue;
    const FdDetail& sd = fd_details().fds[d.pty.peer];
    const char* t = sd.pty.has_termios ? sd.pty.termios : nullptr;
    int slave = p.fds[d.pty.peer].fd;
    if (save) {
      pty_input_save(d.pty.index, slave, t);
    } else {
      pty_input_put_back(d.pty.index, slave, p.fds[i].fd, t);
    }
  }
}

long restore_pty(int idx) {
  ProcessState& p = rt().proc;
  const FdRecord& rec = p.fds[idx];
  FdDetail& d = fd_details().fds[idx];
  if (d.restored_fd >= 0) return 0;
  if (d.sub == FdSub::kPtyMaster) {
    const char* path = p.fd_paths + rec.path_off;
    long m = open_master(path, d.pty.index);
    if (m < 0) return m;
    apply_master_settings(m, d.pty);
    if (d.pty.peer < 0 && d.pty.locked) ioctl(m, kTiocsptlck, &d.pty.locked);
    long rc = place_fd(m, rec);
    d.restored_fd = rec.fd;
    return rc;
  }
  FdDetail& md = fd_details().fds[d.pty.peer];
  if (md.restored_fd < 0) {
    long rc = restore_pty(d.pty.peer);
    if (rc < 0) return rc;
  }
  int flags = (rec.status_flags & ~O_CLOEXEC) | O_NOCTTY;
  long s = ioctl(md.restored_fd, kTiocgptpeer, reinterpret_cast<const void*>(flags));
  if (s >= 0 && d.pty.has_termios) ioctl(s, kTcsets2, d.pty.termios);
  if (s >= 0 && md.pty.peer == idx) {
    pty_input_put_back(d.pty.index, static_cast<int>(s), md.restored_fd,
                       d.pty.has_termios ? d.pty.termios : nullptr);
  }
  if (md.pty.locked) ioctl(md.restored_fd, kTiocsptlck, &md.pty.locked);
  d.restored_fd = rec.fd;
  return place_fd(s, rec);
}

}  // namespace ckpt
