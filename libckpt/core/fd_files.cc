// libckpt/core/fd_files.cc: see fd_files.h. Checkpoint path: yes, except read_fd_config().
#include "core/fd_files.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/fd_detail.h"
#include "core/fd_kinds.h"
#include "core/fd_locks.h"
#include "core/fd_messages.h"
#include "core/shared_fds.h"
#include "core/shared_memory.h"
#include "image/node_local.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kTruncate = 76;
constexpr long kMemfdCreate = 319;
constexpr int kFAddSeals = 1033;
constexpr int kFGetSeals = 1034;
constexpr int kOTmpfile = 020000000 | O_DIRECTORY;
constexpr unsigned kMfdCloexecSealing = 1u | 2u;
constexpr uint64_t kPage = 4096;

struct FilesState {
  int64_t save_limit;  // bytes; 0: only unlinked files and memfds
  int64_t node_local_limit;  // bytes; files under /tmp and /dev/shm (image/node_local.h)
  uint64_t buf;        // contents of this round (anonymous mapping), 0 if none
  uint64_t buf_len;
};

FilesState g_files;

FdDetail& detail(int i) { return fd_details().fds[i]; }
const char* path_of(const FdRecord& rec) { return rt().proc.fd_paths + rec.path_off; }
uint64_t page_round(uint64_t n) { return (n + kPage - 1) & ~(kPage - 1); }
int64_t mtime_of(const struct stat& st) {
  return st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
}

// /proc and /sys files have no stable size or mtime; they are only reopened.
bool is_pseudo_path(const char* path) {
  return sys::starts_with(path, "/proc/") || sys::starts_with(path, "/sys/");
}

int content_owner(int idx) {
  const FdDetail& d = detail(idx);
  for (int j = 0; j < idx; ++j) {
    const FdDetail& o = detail(j);
    if (o.file.content_of == j && o.file.ino == d.file.ino && o.file.dev == d.file.dev) return j;
  }
  return idx;
}

const char* saved_bytes(int idx, uint64_t* len) {
  const FdDetail& o = detail(detail(idx).file.content_of);
  *len = o.file.content_len;
  return reinterpret_cast<const char*>(g_files.buf + o.file.content_off);
}

// Writes the saved contents back to `path` (created or truncated). Returns 0 or -errno.
long write_back(int idx, const char* path) {
  uint64_t len;
  const char* data = saved_bytes(idx, &len);
  image::make_parent_dirs(path);  // a node-local file on a new host: /tmp/dir/... is gone
  long fd = sys::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fd;
  sys::call(sys::kFchmod, fd, detail(idx).file.mode & 07777);  // not narrowed by our umask
  long rc = sys::write_all(static_cast<int>(fd), data, len);
  sys::close(static_cast<int>(fd));
  CKPT_LOG(kInfo, "fd {}: {} put back from the image ({} bytes)", rt().proc.fds[idx].fd, path, len);
  return rc < 0 ? rc : 0;
}

// Checks one regular file; returns false (and says why) if it cannot be used.
bool check_regular(int idx, bool restore, sys::Fmt& why) {
  const FdRecord& rec = rt().proc.fds[idx];
  const FileIdentity& id = detail(idx).file;
  const char* path = path_of(rec);
  bool saved = id.content_of >= 0;
  bool ro = (rec.status_flags & O_ACCMODE) == O_RDONLY;
  struct stat st;
  if (sys::call(sys::kStat, path, &st) < 0) {
    // a node-local file is expected to be gone on another host: put back without asking
    // (unless the launch turned node-local saving off: CKPT_SAVE_NODE_LOCAL=0)
    bool put_back = restore || (image::is_node_local(path) && g_files.node_local_limit > 0);
    if (put_back && saved && write_back(idx, path) == 0) return true;
    fd_msg::file_gone(why, rec.fd, path, rt().host, saved);
    return false;
  }
  const char* what = nullptr;
  int64_t was = 0, now = 0;
  if (ro && st.st_size != id.size) {
    what = "size", was = id.size, now = st.st_size;
  } else if (ro && mtime_of(st) != id.mtime_ns) {
    what = "mtime (ns)", was = id.mtime_ns, now = mtime_of(st);
  } else if (!ro && st.st_size < id.size) {
    what = "size", was = id.size, now = st.st_size;
  }
  if (what == nullptr) {
    if (restore && !ro && st.st_size > id.size) {
      if (saved) return write_back(idx, path) == 0;
      sys::call(kTruncate, path, id.size);
    }
    return true;
  }
  if (restore && saved && write_back(idx, path) == 0) return true;
  fd_msg::file_changed(why, rec.fd, path, what, was, now, saved);
  return false;
}

int fd_above_all() {
  ProcessState& p = rt().proc;
  int above = 3;
  for (int i = 0; i < p.nfds; ++i) above = p.fds[i].fd >= above ? p.fds[i].fd + 1 : above;
  return above;
}

// Creates the file (or memfd) for owner record `idx` with its saved contents; returns an fd
// above every saved fd number. A file this process also maps shared is the one the loader
// re-created for that mapping (core/shared_memory.h), so fd and memory stay one file.
long create_unlinked(int idx) {
  const FdRecord& rec = rt().proc.fds[idx];
  const FdDetail& d = detail(idx);
  long mapped = shm_reopen_mapped(d.file.dev, d.file.ino);
  if (mapped >= 0) {
    uint64_t len;
    const char* data = saved_bytes(idx, &len);
    sys::write_all(static_cast<int>(mapped), data, len);
    sys::call(sys::kFtruncate, mapped, d.file.size);
    long high = sys::fcntl(static_cast<int>(mapped), F_DUPFD_CLOEXEC, fd_above_all());
    sys::close(static_cast<int>(mapped));
    return high;
  }
  char path[4096];
  sys::str_copy(path, path_of(rec), sizeof path);
  size_t n = sys::str_len(path);
  if (sys::ends_with(path, " (deleted)")) path[n - 10] = '\0';
  long fd;
  bool named = false;
  if (d.sub == FdSub::kMemfd) {
    fd = sys::call(kMemfdCreate, path + 7, kMfdCloexecSealing);  // after "/memfd:"
  } else {
    fd = sys::open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    named = fd >= 0;
    if (fd < 0) {
      char* slash = path;
      for (char* c = path; *c != '\0'; ++c) slash = *c == '/' ? c : slash;
      *slash = '\0';
      fd = sys::open(path[0] != '\0' ? path : "/", O_RDWR | O_CLOEXEC | kOTmpfile, 0600);
      if (fd < 0) fd = sys::open("/tmp", O_RDWR | O_CLOEXEC | kOTmpfile, 0600);
    }
  }
  if (fd < 0) return fd;
  uint64_t len;
  const char* data = saved_bytes(idx, &len);
  sys::write_all(static_cast<int>(fd), data, len);
  sys::call(sys::kFchmod, fd, d.file.mode & 07777);
  if (named) sys::call(sys::kUnlink, path);
  long high = sys::fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, fd_above_all());
  sys::close(static_cast<int>(fd));
  return high;
}

}  // namespace

void read_fd_config() {
  const char* local = getenv("CKPT_SAVE_NODE_LOCAL");  // MiB, 0: off
  int64_t mib = local != nullptr && *local != '\0'
                    ? static_cast<int64_t>(sys::parse_u64(local, nullptr))
                    : image::kNodeLocalSaveMib;
  g_files.node_local_limit = mib > 0 ? mib << 20 : -1;
  const char* v = getenv("CKPT_SAVE_FILES");
  if (v == nullptr || *v == '\0') return;
  uint64_t save_mib = sys::parse_u64(v, nullptr);
  g_files.save_limit = static_cast<int64_t>(save_mib != 0 ? save_mib : 64) << 20;
}

void capture_file_identity(int idx, const char* path) {
  const FdRecord& rec = rt().proc.fds[idx];
  FdDetail& d = detail(idx);
  struct stat st;
  if (sys::call(sys::kFstat, rec.fd, &st) < 0) return;
  bool node_local = image::is_node_local(path) && S_ISREG(st.st_mode);
  d.file.ino = st.st_ino;
  d.file.dev = st.st_dev;
  d.file.size = st.st_size;
  d.file.mtime_ns = mtime_of(st);
  d.file.mode = st.st_mode;
  bool want = false;
  if (sys::ends_with(path, " (deleted)") || st.st_nlink == 0) {
    d.sub = sys::starts_with(path, "/memfd:") ? FdSub::kMemfd : FdSub::kUnlinked;
    long seals = d.sub == FdSub::kMemfd ? sys::fcntl(rec.fd, kFGetSeals) : 0;
    d.file.seals = seals > 0 ? static_cast<uint32_t>(seals) : 0;
    want = true;
  } else {
    want = (g_files.save_limit > 0 && (rec.status_flags & O_ACCMODE) != O_RDONLY &&
            st.st_size <= g_files.save_limit) ||
           (node_local && st.st_size <= g_files.node_local_limit);
  }
  if (want) d.file.content_of = content_owner(idx);
}

namespace {

// Reads the file behind `rec` through the fd itself when it is readable: closing another fd
// of the file would drop the process's POSIX record locks on it (fcntl F_SETLK). A
// write-only (or O_PATH) fd needs a second, read-only one; the locks dropped by its close are taken
// again (core/fd_locks.h).
long read_contents(const FdRecord& rec, char* out, int64_t size) {
  if ((rec.status_flags & O_ACCMODE) != O_WRONLY && !(rec.status_flags & O_PATH)) {
    return sys::pread_all(rec.fd, out, static_cast<size_t>(size), 0);
  }
  char link[48];
  sys::Fmt(link, sizeof link).s("/proc/self/fd/").i(rec.fd);
  long fd = sys::open(link, O_RDONLY | O_CLOEXEC);
  long n = fd >= 0 ? sys::pread_all(static_cast<int>(fd), out, static_cast<size_t>(size), 0)
                   : fd;
  if (fd >= 0) {
    sys::close(static_cast<int>(fd));
    retake_posix_locks();
  }
  return n;
}

}  // namespace

long save_file_contents() {
  ProcessState& p = rt().proc;
  uint64_t total = 0;
  for (int i = 0; i < p.nfds; ++i) {
    const FileIdentity& f = detail(i).file;
    if (f.content_of == i) total += page_round(static_cast<uint64_t>(f.size));
  }
  if (total == 0) return 0;
  long buf = sys::mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf < 0) return buf;
  g_files.buf = static_cast<uint64_t>(buf);
  g_files.buf_len = total;
  uint64_t off = 0;
  for (int i = 0; i < p.nfds; ++i) {
    FileIdentity& f = detail(i).file;
    if (f.content_of != i) continue;
    long n = read_contents(p.fds[i], reinterpret_cast<char*>(buf + off), f.size);
    if (n < 0) CKPT_LOG(kError, "fd {}: cannot read its contents ({})", p.fds[i].fd, n);
    f.content_off = off;
    f.content_len = n > 0 ? static_cast<uint64_t>(n) : 0;
    off += page_round(static_cast<uint64_t>(f.size));
  }
  return 0;
}

void release_file_contents() {
  if (g_files.buf != 0) sys::munmap(g_files.buf, g_files.buf_len);
  g_files.buf = 0;
  g_files.buf_len = 0;
}

bool check_files(bool restore_files, char* why, size_t cap) {
  ProcessState& p = rt().proc;
  sys::Fmt f(why, cap);
  bool ok = true;
  for (int i = 0; i < p.nfds; ++i) {
    const FdRecord& rec = p.fds[i];
    if (detail(i).sub != FdSub::kPlain || (rec.status_flags & O_PATH) ||
        is_pseudo_path(path_of(rec)) || share_restores_fd(rec.fd)) {
      continue;
    }
    if (rec.kind == kFdRegular) {
      ok &= check_regular(i, restore_files, f);
    } else if (rec.kind == kFdDirectory || rec.kind == kFdCharDev) {
      struct stat st;
      if (sys::call(sys::kStat, path_of(rec), &st) < 0) {
        fd_msg::file_gone(f, rec.fd, path_of(rec), rt().host, false);
        ok = false;
      }
    }
  }
  return ok;
}

long restore_unlinked(int idx) {
  const FdRecord& rec = rt().proc.fds[idx];
  int owner = detail(idx).file.content_of;
  FdDetail& o = detail(owner);
  if (o.restored_fd < 0) {
    long fd = create_unlinked(owner);
    if (fd < 0) return fd;
    o.restored_fd = static_cast<int>(fd);
  }
  char link[48];
  sys::Fmt(link, sizeof link).s("/proc/self/fd/").i(o.restored_fd);
  // O_NOFOLLOW (mkstemp and shm_open add it) would refuse the /proc/self/fd symlink: ELOOP.
  int flags = rec.status_flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_NOFOLLOW);
  long rc = place_fd(sys::open(link, flags | O_CLOEXEC), rec);
  if (rc == 0) sys::lseek(rec.fd, rec.offset, SEEK_SET);
  return rc;
}

void finish_unlinked() {
  ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds; ++i) {
    FdDetail& d = detail(i);
    if (d.file.content_of != i || d.restored_fd < 0) continue;
    if (d.file.seals != 0) sys::fcntl(d.restored_fd, kFAddSeals, d.file.seals);
    sys::close(d.restored_fd);
    d.restored_fd = -1;
  }
  release_file_contents();
}

}  // namespace ckpt
