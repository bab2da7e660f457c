// libckpt/restore/loader_missing.cc: MAP_SHARED regions of a file that existed at the
// checkpoint and is missing now: a restart on another host, whose /tmp and /dev/shm are
// empty (image/node_local.h). Only files under /tmp and /dev/shm (may_recreate): a missing
// disk file elsewhere still stops the restart with "mapped file is missing". The file is created again at its path (and the directories
// above it, 0700) with the saved size and mode; every page the checkpoint saved for the
// mapping is then written into it by map_regions, as for any shared region. Pages that
// were not resident in memory at the checkpoint (a disk file's untouched parts) are not in
// the image and come back as zeros. VMAs of one file share one new file.
#include <fcntl.h>
#include <sys/mman.h>

#include "image/node_local.h"
#include "restore/loader.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt::loader {

namespace {

constexpr int kAtFdcwd = -100;
constexpr int kAtSymlinkFollow = 0x400;
constexpr int kMaxFiles = 64;
constexpr size_t kPathCap = 512;
// On every re-created file: the saved file's identity, so that the loaders of the other
// processes that mapped it accept the new inode (check_files in loader.cc).
constexpr char kOriginXattr[] = "user.ckpt.origin";

struct Origin {
  uint64_t dev, ino;
};

struct Made {
  uint64_t dev, ino;
  int fd;
};
Made g_made[kMaxFiles];
int g_nmade;

// Notes the path for libckpt's info message (restore_args.h).
void note(const Loader& l, const char* path) {
  RestoreArgs& a = *l.args;
  char* list = a.recreated_paths;
  size_t used = sys::str_len(list);
  if (a.recreated_count++ > 0 && used + 2 < sizeof a.recreated_paths) {
    used += sys::str_copy(list + used, ", ", sizeof a.recreated_paths - used);
  }
  sys::str_copy(list + used, path, sizeof a.recreated_paths - used);
}

// Size, mode and origin of a new file `fd`; 0 or -errno.
long prepare(const image::RegionEntry& e, long fd) {
  sys::call(sys::kFchmod, fd, e.file_mode != 0 ? e.file_mode : 0600);  // not narrowed by umask
  Origin o{e.dev, e.inode};
  sys::call(sys::kFsetxattr, fd, kOriginXattr, &o, sizeof o, 0);  // best effort (see kOriginXattr)
  return sys::call(sys::kFtruncate, fd, e.file_size);
}

// The file ready (sized) before its name appears: other processes of this host that mapped
// it are restored at the same time and may open it at once. Returns an fd or -errno;
// *made is false when another loader's file won the race (that one is then used).
long create(const image::RegionEntry& e, const char* path, bool* made) {
  long r = image::make_parent_dirs(path);
  if (r < 0) return r;
  char dir[kPathCap];
  size_t n = sys::str_copy(dir, path, sizeof dir);
  while (n > 1 && dir[n - 1] != '/') --n;
  dir[n > 1 ? n - 1 : 1] = '\0';
  long fd = sys::open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
  *made = true;
  if (fd < 0) {  // no O_TMPFILE on this file system: create it in place
    fd = sys::open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    r = fd < 0 ? fd : prepare(e, fd);
  } else if ((r = prepare(e, fd)) == 0) {
    char link[40];
    sys::Fmt(link, sizeof link).s("/proc/self/fd/").i(fd);
    r = sys::call(sys::kLinkat, kAtFdcwd, link, kAtFdcwd, path, kAtSymlinkFollow);
  }
  if (r == -17 /*EEXIST*/) {
    if (fd >= 0) sys::close(static_cast<int>(fd));
    *made = false;
    return sys::open(path, O_RDWR | O_CLOEXEC);
  }
  if (r < 0 && fd >= 0) sys::close(static_cast<int>(fd));
  return r < 0 ? r : fd;
}

}  // namespace

bool may_recreate(const image::RegionEntry& e, const char* path) {
  return (e.flags & image::kRegionShared) && image::is_node_local(path);
}

bool recreated_from(const char* path, const image::RegionEntry& e) {
  Origin o{};
  long n = sys::call(sys::kGetxattr, path, kOriginXattr, &o, sizeof o);
  return n == static_cast<long>(sizeof o) && o.dev == e.dev && o.ino == e.inode;
}

bool recreated_missing(const image::RegionEntry& e) {
  for (int i = 0; i < g_nmade; ++i) {
    if (g_made[i].ino == e.inode && g_made[i].dev == e.dev) return true;
  }
  return false;
}

long map_missing(const Loader& l, const image::RegionEntry& e, int prot) {
  const char* path = l.strings + e.path_offset;
  int fd = -1;
  for (int i = 0; i < g_nmade && fd < 0; ++i) {
    if (g_made[i].ino == e.inode && g_made[i].dev == e.dev) fd = g_made[i].fd;
  }
  if (fd < 0) {
    if (g_nmade == kMaxFiles) fail(l, "too many missing shared files to re-create", path);
    bool made = false;
    long r = create(e, path, &made);
    if (r < 0) fail(l, "cannot re-create the missing mapped file", path, r);
    fd = static_cast<int>(r);
    g_made[g_nmade++] = Made{e.dev, e.inode, fd};
    if (made) note(l, path);
  }
  return sys::mmap(e.start, e.end - e.start, prot | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
                   e.file_offset);
}

void close_missing() {
  for (int i = 0; i < g_nmade; ++i) sys::close(g_made[i].fd);
  g_nmade = 0;
}

}  // namespace ckpt::loader
