// libckpt/restore/loader_deleted.cc: MAP_SHARED regions of files deleted before the
// checkpoint (image/deleted_map.h). A fresh file takes their place: a memfd of the same
// name for "/memfd:NAME (deleted)"; otherwise the same path, created exclusively and
// unlinked at once (so /proc/<pid>/maps shows the same "PATH (deleted)"), or, when that
// name is taken or its directory is gone, an O_TMPFILE in the same directory or in
// /dev/shm, or a memfd. The region is mapped at its saved file offset; its saved pages are
// written in afterwards by map_regions. Processes that shared the file map this one again
// after the restart (core/shared_memory.cc).
#include <fcntl.h>
#include <sys/mman.h>

#include "image/deleted_map.h"
#include "restore/loader.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt::loader {

namespace {

constexpr long kMemfdCreate = 319;
constexpr int kMfdCloexecSealing = 1 | 2;  // seals are restored on its fd (core/fd_files.cc)
constexpr int kPathCap = 512;
constexpr int kMaxFiles = 64;

// Files created so far, by saved identity: several VMAs of one file get the same new file.
struct Created {
  uint64_t dev, ino, size;
  int fd;
};
Created g_files[kMaxFiles];
int g_nfiles;

long make_memfd(const char* name) { return sys::call(kMemfdCreate, name, kMfdCloexecSealing); }

// Creates "path" exclusively and unlinks it; else an unnamed file in its directory.
long make_unlinked(char* path) {
  long fd = sys::open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) {
    sys::call(sys::kUnlink, path);
    return fd;
  }
  size_t n = sys::str_len(path);
  while (n > 1 && path[n - 1] != '/') --n;
  path[n > 1 ? n - 1 : 1] = '\0';  // its directory ("/" for a file in the root)
  return sys::open(path, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
}

// The fresh file for the saved path `saved` ("... (deleted)").
long make_file(const char* saved) {
  char path[kPathCap];
  size_t len = sys::str_len(saved) - (sizeof image::kDeletedSuffix - 1);
  long fd = -1;
  if (len < sizeof path) {
    sys::str_copy(path, saved, len + 1);
    if (sys::starts_with(path, "/memfd:")) return make_memfd(path + 7);
    fd = make_unlinked(path);
  }
  if (fd < 0) fd = sys::open("/dev/shm", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
  return fd < 0 ? make_memfd("ckpt-deleted") : fd;
}

// The new file for region `e`, kept open until close_recreated().
Created& file_for(const Loader& l, const image::RegionEntry& e) {
  for (int i = 0; i < g_nfiles && e.inode != 0; ++i) {
    if (g_files[i].ino == e.inode && g_files[i].dev == e.dev) return g_files[i];
  }
  const char* path = l.strings + e.path_offset;
  if (g_nfiles == kMaxFiles) fail(l, "too many deleted shared files", path);
  long fd = make_file(path);
  if (fd < 0) fail(l, "cannot re-create the deleted shared file", path, fd);
  Created& c = g_files[g_nfiles++];
  c = Created{e.dev, e.inode, 0, static_cast<int>(fd)};
  return c;
}

}  // namespace

bool is_recreated(const image::RegionEntry& e, const char* path) {
  uint32_t need = image::kRegionShared | image::kRegionDeleted;
  return (e.flags & need) == need && !(e.flags & image::kRegionSharedElsewhere) &&
         image::is_recreated_deleted_file(path);
}

long map_recreated(const Loader& l, const image::RegionEntry& e, int prot) {
  uint64_t size = e.file_offset + (e.end - e.start);
  Created& c = file_for(l, e);
  long r = 0;
  if (size > c.size) {
    r = sys::call(sys::kFtruncate, c.fd, size);
    c.size = r == 0 ? size : c.size;
  }
  if (r == 0) {
    r = sys::mmap(e.start, e.end - e.start, prot, MAP_SHARED | MAP_FIXED, c.fd, e.file_offset);
  }
  return r;
}

void close_recreated() {
  for (int i = 0; i < g_nfiles; ++i) sys::close(g_files[i].fd);
  g_nfiles = 0;
}

}  // namespace ckpt::loader
