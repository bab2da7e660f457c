// libckpt/core/shared_fds.cc: see shared_fds.h (checkpoint side: election, drain, refill).
// Checkpoint path: yes (static table, raw syscalls, KV requests on the stack).
#include "core/shared_fds.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "ckpt/plugin.h"
#include "core/fd_share.h"
#include "core/pipe_table.h"
#include "core/plugin_internal.h"
#include "core/shared_fd_table.h"
#include "core/shared_kv.h"
#include "core/shared_memory.h"
#include "core/pty_input.h"
#include "core/shared_ptys.h"
#include "sys/log.h"
#include "sys/proc_dir.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kKcmp = 312;
constexpr int kKcmpFile = 0;
constexpr int kGetPipeSz = 1032;
constexpr long kFionread = 0x541B;

SharedTable g_table;
int64_t g_tag = -1;  // round tag of the election in progress

struct FileEntry {  // value of a file's KV entry
  int64_t vpid;
  int64_t pid;
  int64_t fd;
};

void add_fd(int fd) {
  SharedTable& t = g_table;
  struct stat st;
  if (fd == rt().coord_fd || fd == rt().log_fd || t.n >= kMaxFds ||
      sys::call(sys::kFstat, fd, &st) < 0 ||
      !(S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
    return;
  }
  SharedFd& s = t.fds[t.n];
  sys::mem_zero(&s, sizeof s);
  s.fd = fd;
  s.status_flags = static_cast<int>(sys::fcntl(fd, F_GETFL));
  s.fd_flags = static_cast<int>(sys::fcntl(fd, F_GETFD));
  if (S_ISCHR(st.st_mode)) {  // only pty ends are shared; other devices are reopened
    if (pty_classify(s, st)) ++t.n;
    return;
  }
  ++t.n;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.kind = S_ISREG(st.st_mode) ? kShareFile : kShareFifo;
  char link[32], target[64];
  sys::Fmt(link, sizeof link).s("/proc/self/fd/").i(fd);
  long n = sys::readlink(link, target, sizeof target - 1);
  target[n > 0 ? n : 0] = '\0';
  if (s.kind == kShareFifo && sys::starts_with(target, "pipe:[")) {
    s.kind = kSharePipe;
    s.dev = 0;
    s.ino = sys::parse_u64(target + 6, nullptr);
  }
}

void scan_fds() {
  sys::for_each_number("/proc/self/fd", true, [](long fd) { add_fd(static_cast<int>(fd)); });
}

int ends_of(const SharedFd& s) {
  int acc = s.status_flags & O_ACCMODE;
  return acc == O_RDONLY ? 1 : acc == O_WRONLY ? 2 : 3;
}

void object_key(char* out, size_t cap, const SharedFd& s, const char* what) {
  shared_kv_key(out, cap, "sh", g_tag, s.dev, s.ino, what);
}

int64_t kv_op(ckpt_kv_op_t op, const SharedFd& s, const char* what, int64_t v) {
  return shared_kv_op(op, "sh", g_tag, s.dev, s.ino, what, v);
}

int64_t kv_read(const SharedFd& s, const char* what, int64_t dflt) {
  char k[256];
  object_key(k, sizeof k, s, what);
  int64_t v = dflt;
  return ckpt_kv_get(k, sys::str_len(k), &v, sizeof v) == sizeof v ? v : dflt;
}

// Publishes one pipe/FIFO object (all this process's fds on it, from index `first`).
void publish_pipe(int first) {
  SharedTable& t = g_table;
  int ends = 0;
  for (int i = first; i < t.n; ++i) {
    if (t.fds[i].first == t.fds[first].fd) ends |= ends_of(t.fds[i]);
  }
  kv_op(CKPT_KV_MIN, t.fds[first], "min", rt().vpid);
  kv_op(CKPT_KV_MAX, t.fds[first], "max", rt().vpid);
  kv_op(CKPT_KV_OR, t.fds[first], "ends", ends);
}

void publish_file(const SharedFd& s) {
  int64_t idx = kv_op(CKPT_KV_ADD, s, "n", 1);
  char k[256], what[32];
  sys::Fmt(what, sizeof what).s("e").i(idx);
  object_key(k, sizeof k, s, what);
  FileEntry e{rt().vpid, sys::getpid(), s.fd};
  ckpt_kv_put(k, sys::str_len(k), &e, sizeof e);
}

// Index of the first entry of s's object in this process.
int first_of(int idx) {
  SharedTable& t = g_table;
  for (int i = 0; i < idx; ++i) {
    if (t.fds[i].kind == t.fds[idx].kind && t.fds[i].dev == t.fds[idx].dev &&
        t.fds[i].ino == t.fds[idx].ino) {
      return i;
    }
  }
  return idx;
}

// Reads every byte in flight through a new read end. A pipe that holds more than the room
// left is not touched and the round is refused (a partial drain would reorder the bytes).
void drain_object(SharedFd& s) {
  SharedTable& t = g_table;
  char path[32];
  sys::Fmt(path, sizeof path).s("/proc/self/fd/").i(s.fd);
  long rd = sys::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  s.data_off = t.used;
  s.data_len = 0;
  int avail = 0;
  if (rd >= 0) sys::ioctl(rd, kFionread, &avail);
  if (rd >= 0 && static_cast<uint32_t>(avail) > kShareBytes - t.used) {
    CKPT_LOG(kError, "fd {}: {} bytes in flight, more than the {} reserved", s.fd, avail,
             kShareBytes - t.used);
    report_plugin_failure("a pipe shared between processes holds too many bytes in flight");
    sys::close(static_cast<int>(rd));
    return;
  }
  for (long n = 1; rd >= 0 && n > 0 && t.used < kShareBytes;) {
    n = sys::read(static_cast<int>(rd), t.bytes + t.used, kShareBytes - t.used);
    if (n > 0) t.used += static_cast<uint32_t>(n), s.data_len += static_cast<uint32_t>(n);
  }
  if (rd < 0) CKPT_LOG(kError, "fd {}: cannot open the pipe to drain it ({})", s.fd, rd);
  if (rd >= 0) sys::close(static_cast<int>(rd));
}

// After the election: is this pipe/FIFO shared, who leads it, drain it.
void resolve_pipe(int first) {
  SharedTable& t = g_table;
  SharedFd& f = t.fds[first];
  int64_t lo = kv_read(f, "min", rt().vpid), hi = kv_read(f, "max", rt().vpid);
  int ends = static_cast<int>(kv_read(f, "ends", 0));
  // A pipe whose other end is closed everywhere (pipe_table.h) is re-created as such too.
  bool peerless = (ends == 1 || ends == 2) &&
                  pipe_end_peerless(f.fd, ends == 1 ? O_RDONLY : O_WRONLY);
  bool keep = f.kind == kShareFifo || (lo != hi && (ends == 3 || peerless));
  f.leader = keep && lo == rt().vpid;
  f.ends = ends;
  f.pipe_size = static_cast<int>(sys::fcntl(f.fd, kGetPipeSz));
  if (f.leader && (ends & 1)) drain_object(f);
  for (int i = first; i < t.n; ++i) {
    SharedFd& s = t.fds[i];
    if (s.first != f.fd) continue;
    s.kind = keep ? s.kind : kShareNone;
    s.leader = f.leader;
    s.ends = ends;
    s.pipe_size = f.pipe_size;
  }
}

// The lowest (vpid, fd) whose description kcmp finds equal to s's leads it.
void resolve_file(SharedFd& s) {
  int64_t n = kv_read(s, "n", 0);
  FileEntry best{rt().vpid, sys::getpid(), s.fd};
  int others = 0;
  for (int64_t i = 1; i <= n; ++i) {
    char k[256], what[32];
    sys::Fmt(what, sizeof what).s("e").i(i);
    object_key(k, sizeof k, s, what);
    FileEntry e{};
    if (ckpt_kv_get(k, sys::str_len(k), &e, sizeof e) != sizeof e) continue;
    if (e.pid == sys::getpid() && e.fd == s.fd) continue;
    if (sys::call(kKcmp, sys::getpid(), e.pid, kKcmpFile, s.fd, e.fd) != 0) continue;
    ++others;
    if (e.vpid < best.vpid || (e.vpid == best.vpid && e.fd < best.fd)) best = e;
  }
  if (others == 0) {
    s.kind = kShareNone;
    return;
  }
  s.leader = best.vpid == rt().vpid && best.fd == s.fd;
  sys::Fmt(s.key, sizeof s.key).s("f:").i(best.vpid).c(':').i(best.fd);
}

}  // namespace

SharedTable& shared_table() { return g_table; }

void share_elect() {
  SharedTable& t = g_table;
  t.n = 0;
  t.used = 0;
  g_tag = round_tag("share");
  scan_fds();
  for (int i = 0; i < t.n; ++i) t.fds[i].first = t.fds[first_of(i)].fd;
  if (g_tag < 0) {
    t.n = 0;
    return;
  }
  shm_elect(g_tag);
  for (int i = 0; i < t.n; ++i) {
    const SharedFd& s = t.fds[i];
    if (s.kind == kSharePtyMaster || s.kind == kSharePtySlave) {
      pty_publish(g_tag, s);
    } else if (s.kind == kShareFile) {
      publish_file(s);
    } else if (s.first == s.fd) {
      publish_pipe(i);
    }
  }
}

void share_drain() {
  SharedTable& t = g_table;
  if (g_tag >= 0) shm_resolve();
  for (int i = 0; i < t.n; ++i) {  // pty slaves first: they look for a master held here
    if (t.fds[i].kind == kSharePtySlave) pty_resolve(g_tag, t.fds[i]);
  }
  for (int i = 0; i < t.n; ++i) {
    SharedFd& s = t.fds[i];
    if (s.kind == kSharePtyMaster) pty_resolve(g_tag, s);
    if (s.kind == kShareFile) resolve_file(s);
    if ((s.kind == kSharePipe || s.kind == kShareFifo) && s.first == s.fd) resolve_pipe(i);
  }
  for (int i = 0; i < t.n; ++i) {
    const SharedFd& s = t.fds[i];
    if (s.kind != kShareNone) {
      CKPT_LOG(kDebug, "shared fd {} kind {} leader {} key {} bytes {}", s.fd, s.kind, s.leader,
               s.key, s.data_len);
    }
  }
}

void share_refill() {
  SharedTable& t = g_table;
  for (int i = 0; i < t.n; ++i) {
    SharedFd& s = t.fds[i];
    if (s.kind == kShareNone || s.kind == kShareFile || !s.leader || s.first != s.fd) {
      continue;
    }
    if (s.kind == kSharePtyMaster) {  // through a slave of our own, closed again
      if (s.data_len > 0 || pty_input_pending(static_cast<int>(s.ino))) {
        long sl = pty_reopen_slave(s);
        if (sl >= 0) sys::close(static_cast<int>(sl));
      }
      s.data_len = 0;
      continue;
    }
    if (s.data_len == 0) continue;
    char path[32];
    sys::Fmt(path, sizeof path).s("/proc/self/fd/").i(s.fd);
    long wr = sys::open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    long rc = wr < 0 ? wr : sys::write_all(static_cast<int>(wr), t.bytes + s.data_off, s.data_len);
    if (rc < 0) CKPT_LOG(kError, "fd {}: could not put back {} bytes ({})", s.fd, s.data_len, rc);
    if (wr >= 0) sys::close(static_cast<int>(wr));
    s.data_len = 0;  // put back once (an aborted next round must not refill it again)
  }
}

bool share_restores_fd(int fd) {
  const SharedTable& t = g_table;
  for (int i = 0; i < t.n; ++i) {
    const SharedFd& s = t.fds[i];
    if (s.fd == fd) {  // a shared file's leader and a pty master are restored as usual
      return s.kind != kShareNone && s.kind != kSharePtyMaster &&
             !(s.kind == kShareFile && s.leader);
    }
  }
  return false;
}

bool is_cross_process_pipe(uint64_t ino) {
  const SharedTable& t = g_table;
  for (int i = 0; i < t.n; ++i) {
    if (t.fds[i].kind == kSharePipe && t.fds[i].ino == ino) return true;
  }
  return false;
}

}  // namespace ckpt
