// libckpt/core/shared_memory.cc: MAP_SHARED|MAP_ANONYMOUS memory inherited across fork
// ("/dev/zero (deleted)" in maps), shared by several processes. See shared_memory.h.
// Checkpoint path: yes (static table; the maps text is read into a raw mmap, unmapped
// before the image is written).
#include "core/shared_memory.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "ckpt/plugin.h"
#include "core/proc_maps.h"
#include "core/runtime.h"
#include "core/shared_kv.h"
#include "image/deleted_map.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr int kMaxShared = 256;
constexpr size_t kMapsBuf = 2u << 20;
constexpr long kMemfdCreate = 319;

struct SharedRegion {
  uint64_t start, end, pgoff, dev, ino;
  int prot;
  int leader;        // 1: this process's object is the one the others map after a restart
  int skip;          // not shared with another process, or split in several VMAs here
  int same_offsets;  // a deleted file re-created by the loader: offsets are the saved ones
  int64_t leader_pgoff;
  int fd;            // restart: map_files fd (leader) or received fd (follower)
};

SharedRegion g_regions[kMaxShared];
int g_nregions;
int64_t g_tag;

void region_key(char* out, size_t cap, const SharedRegion& s, const char* what) {
  shared_kv_key(out, cap, "shm", g_tag, s.dev, s.ino, what);
}

int64_t kv_op(ckpt_kv_op_t op, const SharedRegion& s, const char* what, int64_t v) {
  return shared_kv_op(op, "shm", g_tag, s.dev, s.ino, what, v);
}

void add_region(const MapsLine& m) {
  bool deleted_file = image::is_recreated_deleted_file(m.path);
  if (!m.shared || g_nregions >= kMaxShared ||
      !(deleted_file || sys::str_eq(m.path, "/dev/zero (deleted)"))) {
    return;
  }
  SharedRegion& s = g_regions[g_nregions++];
  sys::mem_zero(&s, sizeof s);
  s.start = m.start;
  s.end = m.end;
  s.pgoff = m.offset;
  s.dev = (static_cast<uint64_t>(m.dev_major) << 32) | m.dev_minor;
  s.ino = m.inode;
  s.prot = m.prot;
  s.same_offsets = deleted_file;
  s.fd = -1;
}

void scan_maps() {
  long buf = sys::mmap(0, kMapsBuf, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf < 0) return;
  char* text = reinterpret_cast<char*>(buf);
  long n = read_proc_file("/proc/self/maps", text, kMapsBuf - 1);
  char* cursor = text;
  MapsLine m;
  while (n > 0 && next_maps_line(&cursor, text + n, &m)) add_region(m);
  sys::munmap(static_cast<uint64_t>(buf), kMapsBuf);
}

const void* addr(const SharedRegion& s) { return reinterpret_cast<const void*>(s.start); }

int vmas_of(const SharedRegion& s) {
  int n = 0;
  for (int i = 0; i < g_nregions; ++i) n += g_regions[i].ino == s.ino && g_regions[i].dev == s.dev;
  return n;
}

// The first region of this process mapping the same object as region i: one fd passes per
// object, and every VMA of a re-created deleted file maps it at its own offset.
int first_of(int i) {
  for (int j = 0; j < i; ++j) {
    if (g_regions[j].ino == g_regions[i].ino && g_regions[j].dev == g_regions[i].dev) return j;
  }
  return i;
}

void map_files_path(char* out, size_t cap, const SharedRegion& s) {
  char a[24], b[24];
  sys::Fmt(a, sizeof a).x(s.start);
  sys::Fmt(b, sizeof b).x(s.end);
  sys::Fmt(out, cap).s("/proc/self/map_files/").s(a + 2).c('-').s(b + 2);
}

// Without access to map_files: the region's bytes move into a memfd mapped in its place
// (maps then shows "/memfd:ckpt-shared (deleted)" instead of "/dev/zero (deleted)"), at
// the offset the others expect (offset_in_object).
long copy_to_memfd(const SharedRegion& s, uint64_t base) {
  uint64_t len = s.end - s.start;
  long fd = sys::call(kMemfdCreate, "ckpt-shared", 1 /*MFD_CLOEXEC*/);
  long rc = fd < 0 ? fd : sys::call(sys::kFtruncate, fd, base + len);
  if (rc == 0 && (s.prot & PROT_READ)) {
    rc = sys::call(sys::kLseek, fd, base, 0 /*SEEK_SET*/);
    if (rc >= 0) {
      rc = sys::write_all(static_cast<int>(fd), reinterpret_cast<const void*>(s.start), len);
    }
  }
  if (rc >= 0) {
    rc = sys::mmap(s.start, len, s.prot, MAP_SHARED | MAP_FIXED, static_cast<int>(fd), base);
    rc = rc == static_cast<long>(s.start) ? 0 : (rc < 0 ? rc : -1);
  }
  if (rc < 0 && fd >= 0) sys::close(static_cast<int>(fd));
  return rc < 0 ? rc : fd;
}

// Where the saved mapping `s` starts in the object the leader passes on at restart: the
// loader re-creates deleted files at their saved offsets (image/deleted_map.h) and maps
// shared anonymous memory from offset 0, which was the leader's saved offset.
int64_t offset_in_object(const SharedRegion& s) {
  return s.same_offsets ? static_cast<int64_t>(s.pgoff)
                        : static_cast<int64_t>(s.pgoff) - s.leader_pgoff;
}

void key_of(char* out, size_t cap, const SharedRegion& s) {
  sys::Fmt(out, cap).s("m:").u(s.dev).c(':').u(s.ino);
}

}  // namespace

void shm_elect(int64_t tag) {
  g_tag = tag;
  g_nregions = 0;
  scan_maps();
  for (int i = 0; i < g_nregions; ++i) {
    const SharedRegion& s = g_regions[i];
    char what[32];
    kv_op(CKPT_KV_MIN, s, "min", rt().vpid);
    kv_op(CKPT_KV_MAX, s, "max", rt().vpid);
    sys::Fmt(what, sizeof what).s("pg").i(rt().vpid);
    char k[256];
    region_key(k, sizeof k, s, what);
    int64_t pg = static_cast<int64_t>(s.pgoff);
    ckpt_kv_put(k, sys::str_len(k), &pg, sizeof pg);
  }
}

void shm_resolve() {
  for (int i = 0; i < g_nregions; ++i) {
    SharedRegion& s = g_regions[i];
    char k[256];
    int64_t lo = rt().vpid, hi = rt().vpid;
    region_key(k, sizeof k, s, "min");
    ckpt_kv_get(k, sys::str_len(k), &lo, sizeof lo);
    region_key(k, sizeof k, s, "max");
    ckpt_kv_get(k, sys::str_len(k), &hi, sizeof hi);
    s.leader = lo == rt().vpid;
    s.skip = lo == hi;
    char what[32];
    sys::Fmt(what, sizeof what).s("pg").i(lo);
    region_key(k, sizeof k, s, what);
    if (!s.skip && ckpt_kv_get(k, sys::str_len(k), &s.leader_pgoff, sizeof s.leader_pgoff) != 8) {
      s.skip = 1;
    }
    if (!s.skip && !s.same_offsets && vmas_of(s) > 1) {
      CKPT_LOG(kWarn, "shared memory at {}: split in several mappings; after a restart it is "
               "no longer shared with the other processes", addr(s));
      s.skip = 1;
    }
  }
}

bool shm_saved_elsewhere(uint64_t start) {
  for (int i = 0; i < g_nregions; ++i) {
    const SharedRegion& s = g_regions[i];
    if (s.start == start) return !s.skip && !s.leader;
  }
  return false;
}

long shm_reopen_mapped(uint64_t st_dev, uint64_t ino) {
  // st_dev in glibc's encoding; the maps line gave major and minor apart
  uint64_t major = ((st_dev >> 8) & 0xfff) | ((st_dev >> 32) & ~0xfffull);
  uint64_t minor = (st_dev & 0xff) | ((st_dev >> 12) & ~0xffull);
  uint64_t dev = (major << 32) | (minor & 0xffffffffu);
  for (int i = 0; i < g_nregions; ++i) {
    const SharedRegion& s = g_regions[i];
    if (s.ino != ino || s.dev != dev || !s.same_offsets || (!s.skip && !s.leader)) continue;
    char path[96];
    map_files_path(path, sizeof path, s);
    return sys::open(path, O_RDWR | O_CLOEXEC);
  }
  return -1;
}

void shm_restart_prepare() {
  for (int i = 0; i < g_nregions; ++i) {
    SharedRegion& s = g_regions[i];
    s.fd = -1;
    if (s.skip || first_of(i) != i) continue;
    char key[64];
    key_of(key, sizeof key, s);
    if (!s.leader) {
      ckpt_fd_want(key);
      continue;
    }
    char path[96];
    map_files_path(path, sizeof path, s);
    long fd = sys::open(path, O_RDWR | O_CLOEXEC);
    // map_files needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE; the copy holds one VMA only
    if (fd < 0 && vmas_of(s) == 1) {
      fd = copy_to_memfd(s, static_cast<uint64_t>(offset_in_object(s)));
    }
    if (fd < 0) CKPT_LOG(kError, "shared memory at {}: cannot pass it on ({})", addr(s), fd);
    if (fd >= 0) ckpt_fd_offer(key, static_cast<int>(fd));
    s.fd = static_cast<int>(fd);
  }
}

void shm_restart_finish() {
  for (int i = 0; i < g_nregions; ++i) {
    SharedRegion& s = g_regions[i];
    if (s.skip) continue;
    char key[64];
    key_of(key, sizeof key, s);
    if (!s.leader && first_of(i) == i) s.fd = ckpt_fd_received(key);
    int fd = g_regions[first_of(i)].fd;
    int64_t off = offset_in_object(s);
    if (!s.leader && fd >= 0 && off >= 0) {
      long r = sys::mmap(s.start, s.end - s.start, s.prot, MAP_SHARED | MAP_FIXED, fd,
                         static_cast<uint64_t>(off));
      if (r != static_cast<long>(s.start)) {
        CKPT_LOG(kError, "shared memory at {}: cannot map the leader's object ({})", addr(s), r);
      }
    } else if (!s.leader) {
      CKPT_LOG(kError, "shared memory at {}: not shared again after the restart", addr(s));
    }
  }
  for (int i = 0; i < g_nregions; ++i) {
    if (g_regions[i].fd >= 0) sys::close(g_regions[i].fd);
    g_regions[i].fd = -1;
  }
}

}  // namespace ckpt
