// libckpt/core/shared_ptys.cc: see shared_ptys.h. Checkpoint path: yes (raw syscalls, KV
// requests on the stack).
#include "core/shared_ptys.h"

#include <fcntl.h>
#include <sys/sysmacros.h>

#include "core/pty_input.h"
#include "core/shared_kv.h"
#include "core/tty_ioctl.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr unsigned long kFionread = 0x541B;
constexpr unsigned kPtmxMajor = 5, kPtmxMinor = 2;
constexpr unsigned kPtsMajorFirst = 136, kPtsMajorLast = 143;  // UNIX98_PTY_SLAVE_MAJOR..
constexpr size_t kTermios2Size = 44;
constexpr uint32_t kOpost = 1;  // c_oflag, the second 32-bit word of termios2

void pty_key(char* out, size_t cap, int64_t tag, const SharedFd& s, const char* what) {
  shared_kv_key(out, cap, "pty", tag, 0, s.ino, what);
}

int64_t pty_read(int64_t tag, const SharedFd& s, const char* what, int64_t dflt) {
  char k[256];
  pty_key(k, sizeof k, tag, s, what);
  int64_t v = dflt;
  return ckpt_kv_get(k, sys::str_len(k), &v, sizeof v) == sizeof v ? v : dflt;
}

// Does this process also hold the master of s's pty (then fd_pty.cc links them)?
bool holds_master(const SharedFd& s) {
  const SharedTable& t = shared_table();
  for (int i = 0; i < t.n; ++i) {
    if (t.fds[i].kind == kSharePtyMaster && t.fds[i].ino == s.ino) return true;
  }
  return false;
}

// The master's holder: what the slaves wrote and the master has not read.
void drain_master(SharedFd& s) {
  SharedTable& t = shared_table();
  s.data_off = t.used;
  s.data_len = 0;
  int avail = 0;
  while (tty::ioctl(s.fd, kFionread, &avail) == 0 && avail > 0 && t.used < kShareBytes) {
    uint32_t room = kShareBytes - t.used;
    long n = sys::read(s.fd, t.bytes + t.used, static_cast<uint32_t>(avail) < room ? avail : room);
    if (n <= 0) break;
    t.used += static_cast<uint32_t>(n);
    s.data_len += static_cast<uint32_t>(n);
  }
}

// Writes the drained bytes through slave fd `sl` as they were (no output processing).
void refill_through(int sl, const SharedFd& s) {
  if (s.data_len == 0 || !s.has_termios) return;
  char raw[64];
  sys::mem_copy(raw, s.termios, sizeof raw);
  uint32_t oflag;
  sys::mem_copy(&oflag, raw + 4, sizeof oflag);
  oflag &= ~kOpost;
  sys::mem_copy(raw + 4, &oflag, sizeof oflag);
  tty::ioctl(sl, tty::kTcsets2, raw);
  const SharedTable& t = shared_table();
  long rc = sys::write_all(sl, t.bytes + s.data_off, s.data_len);
  if (rc < 0) CKPT_LOG(kError, "pty {}: could not put back {} bytes ({})", s.ino, s.data_len, rc);
  tty::ioctl(sl, tty::kTcsets2, s.termios);
}

// The master's holder: what the master wrote that no slave has read, through a slave of
// its own (the slave holders are stopped too), closed again.
void drain_input(const SharedFd& s) {
  long sl = sys::call(sys::kIoctl, s.fd, tty::kTiocgptpeer, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (sl < 0) return;
  pty_input_save(static_cast<int>(s.ino), static_cast<int>(sl),
                 s.has_termios ? s.termios : nullptr);
  sys::close(static_cast<int>(sl));
}

}  // namespace

bool pty_classify(SharedFd& s, const struct stat& st) {
  if (!S_ISCHR(st.st_mode)) return false;
  unsigned maj = major(st.st_rdev), min = minor(st.st_rdev);
  if (maj == kPtmxMajor && min == kPtmxMinor) {
    int idx = -1;
    if (tty::ioctl(s.fd, tty::kTiocgptn, &idx) < 0) return false;
    s.kind = kSharePtyMaster;
    s.ino = static_cast<uint64_t>(idx);
  } else if (maj >= kPtsMajorFirst && maj <= kPtsMajorLast) {
    s.kind = kSharePtySlave;
    s.ino = (maj - kPtsMajorFirst) * 256ull + min;
    s.has_termios = tty::ioctl(s.fd, tty::kTcgets2, s.termios) == 0;
  } else {
    return false;
  }
  s.dev = 0;
  return true;
}

void pty_publish(int64_t tag, const SharedFd& s) {
  if (s.kind == kSharePtyMaster) shared_kv_op(CKPT_KV_MIN, "pty", tag, 0, s.ino, "master", rt().vpid);
  if (s.kind != kSharePtySlave || holds_master(s)) return;
  shared_kv_op(CKPT_KV_ADD, "pty", tag, 0, s.ino, "slaves", 1);
  char k[256];
  pty_key(k, sizeof k, tag, s, "termios");
  if (s.has_termios) ckpt_kv_put(k, sys::str_len(k), s.termios, kTermios2Size);
}

void pty_resolve(int64_t tag, SharedFd& s) {
  if (s.kind == kSharePtySlave) {
    if (pty_read(tag, s, "master", -1) < 0 || holds_master(s)) s.kind = kShareNone;
    return;
  }
  if (s.kind != kSharePtyMaster) return;
  s.leader = pty_read(tag, s, "slaves", 0) > 0;
  if (!s.leader) {
    s.kind = kShareNone;
    return;
  }
  char k[256];
  pty_key(k, sizeof k, tag, s, "termios");
  s.has_termios = ckpt_kv_get(k, sys::str_len(k), s.termios, sizeof s.termios) ==
                  static_cast<long>(kTermios2Size);
  if (s.first == s.fd) {
    drain_master(s);
    drain_input(s);
  }
}

long pty_reopen_slave(const SharedFd& s) {
  long sl = sys::call(sys::kIoctl, s.fd, tty::kTiocgptpeer, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (sl < 0) return sl;
  if (s.has_termios) tty::ioctl(sl, tty::kTcsets2, s.termios);
  refill_through(static_cast<int>(sl), s);
  pty_input_put_back(static_cast<int>(s.ino), static_cast<int>(sl), s.fd,
                     s.has_termios ? s.termios : nullptr);
  return sl;
}

void pty_exchange_key(char* out, size_t cap, const SharedFd& s) {
  sys::Fmt(out, cap).s("t:").u(s.ino);
}

}  // namespace ckpt
