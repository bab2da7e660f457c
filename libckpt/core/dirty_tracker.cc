// libckpt/core/dirty_tracker.cc: see dirty_tracker.h. Checkpoint path: yes.
//
// Per begin_image: read /proc/self/maps; for every private anonymous writable mapping, a
// PAGEMAP_SCAN with PM_SCAN_CHECK_WPASYNC | PM_SCAN_WP_MATCHING returns its written pages
// and protects them again. The scan fails (EPERM) for a mapping that is not registered
// with our userfaultfd in async mode: one created since the last image, or moved by
// mremap (without UFFD_FEATURE_EVENT_REMAP the kernel unregisters it). Such a mapping is
// registered and protected, and counts as written. Zero-page mappings (a zapped page read
// again) count as written too. A page is clean when its mapping was scanned successfully
// and it lies in no written range.
#include "core/dirty_tracker.h"

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "core/fd_claims.h"
#include "core/proc_maps.h"
#include "core/runtime.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt::dirty_tracker {

namespace {

// UAPI values of Linux 6.7+ (the Debian 12 headers predate them).
constexpr uint64_t kFeatureWpUnpopulated = 1ull << 13;
constexpr uint64_t kFeatureWpAsync = 1ull << 15;
constexpr int kUserModeOnly = 1;
constexpr long kUserfaultfd = 323;
struct PmScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
      category_mask, category_anyof_mask, return_mask;
};
struct PageRegion {
  uint64_t start, end, categories;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
constexpr uint64_t kScanWpMatching = 1, kScanCheckWpAsync = 2;
constexpr uint64_t kPageIsWritten = 1ull << 1, kPageIsPresent = 1ull << 3;
constexpr uint64_t kPageIsSwapped = 1ull << 4, kPageIsPfnZero = 1ull << 5;

struct Range {
  uint64_t start, end;
};

constexpr size_t kMapsBytes = 16u << 20;
constexpr size_t kMaxScanned = 1u << 16;
constexpr size_t kMaxWritten = 1u << 20;
constexpr size_t kVecLen = 1u << 14;

struct State {
  int available = -1;   // -1 not probed yet, 0 off, 1 on
  int uffd = -1;
  char* mem = nullptr;
  size_t mem_size = 0;
  Range* scanned = nullptr;  // mappings scanned successfully by the last begin_image
  size_t nscanned = 0;
  Range* written = nullptr;  // written pages within them (address order)
  size_t nwritten = 0;
  PageRegion* vec = nullptr;
  bool overflow = false;     // more written ranges than kMaxWritten: nothing is clean
  uint64_t last_generation = 0;  // of the last begin_image (0: none in this life)
  uint64_t since = 0;            // what is_clean reports: the begin_image before that
};

State g;

bool env_forces_hash() {
  const char* v = getenv("CKPT_DIRTY_TRACKING");
  return v != nullptr && sys::str_eq(v, "hash");
}

long map_memory() {
  g.mem_size = kMapsBytes + kMaxScanned * sizeof(Range) + kMaxWritten * sizeof(Range) +
               kVecLen * sizeof(PageRegion);
  long p = sys::mmap(0, g.mem_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p < 0 && p > -4096) return p;
  g.mem = reinterpret_cast<char*>(p);
  g.scanned = reinterpret_cast<Range*>(g.mem + kMapsBytes);
  g.written = g.scanned + kMaxScanned;
  g.vec = reinterpret_cast<PageRegion*>(g.written + kMaxWritten);
  return 0;
}

// Opens the userfaultfd (kept near the top of the fd range, next to libckpt's other fds).
bool open_uffd() {
  long fd = sys::call(kUserfaultfd, O_CLOEXEC | O_NONBLOCK | kUserModeOnly);
  if (fd < 0) fd = sys::call(kUserfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    CKPT_LOG(kDebug, "dirty tracking off: userfaultfd: {}", fd);
    return false;
  }
  uffdio_api api{UFFD_API, kFeatureWpAsync | kFeatureWpUnpopulated, 0};
  long rc = sys::ioctl(fd, UFFDIO_API, &api);
  long high = rt().log_fd > 64 ? sys::fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, rt().log_fd - 64)
                                : -1;
  if (rc == 0 && high > 0) {
    sys::close(static_cast<int>(fd));
    fd = high;
  }
  if (rc < 0) {
    CKPT_LOG(kDebug, "dirty tracking off: UFFD_FEATURE_WP_ASYNC unavailable: {}", rc);
    sys::close(static_cast<int>(fd));
    return false;
  }
  g.uffd = static_cast<int>(fd);
  mark_internal_fd(g.uffd);  // libckpt's own: never saved, never reported as unsupported
  return true;
}

// The memory is ordinary process memory (saved with the image, restored at the same place),
// so that the address space looks the same before a checkpoint and after a restart.
bool probe() {
  if (env_forces_hash() || !open_uffd()) return false;
  if (g.mem == nullptr && map_memory() < 0) {
    sys::close(g.uffd);
    unmark_internal_fd(g.uffd);
    g.uffd = -1;
    return false;
  }
  return true;
}

bool eligible(const MapsLine& m) {
  if (m.shared || !(m.prot & PROT_WRITE) || m.inode != 0) return false;
  for (const auto& s : rt().scratch) {
    if (m.start < s[1] && s[0] < m.end) return false;
  }
  if (m.path_len == 0) return true;
  return sys::str_eq(m.path, "[heap]") || sys::starts_with(m.path, "[stack") ||
         sys::starts_with(m.path, "[anon:");
}

void add_written(uint64_t start, uint64_t end) {
  if (g.nwritten > 0 && g.written[g.nwritten - 1].end >= start) {
    Range& last = g.written[g.nwritten - 1];
    if (end > last.end) last.end = end;
    return;
  }
  if (g.nwritten == kMaxWritten) {
    g.overflow = true;
    return;
  }
  g.written[g.nwritten++] = Range{start, end};
}

// One PAGEMAP_SCAN pass over [start, end) for pages in all the categories `all` and any of
// `anyof` (with WP_MATCHING: protects them). Holes never match: a scan that matched holes
// would fill page tables for a sparse reservation. Appends the pages to the written ranges
// when `record`. Returns 0, or -errno (EPERM: not registered for async write-protect).
long scan(int pagemap, uint64_t start, uint64_t end, uint64_t all, uint64_t anyof,
          uint64_t flags, bool record) {
  for (uint64_t at = start; at < end;) {
    PmScanArg a{sizeof(PmScanArg), flags, at, end, 0, reinterpret_cast<uint64_t>(g.vec),
                kVecLen, 0, 0, all, anyof, all | anyof};
    long n = sys::ioctl(pagemap, kPagemapScan, &a);
    if (n < 0) return n;
    for (long i = 0; record && i < n; ++i) add_written(g.vec[i].start, g.vec[i].end);
    if (a.walk_end <= at) return -5;
    at = a.walk_end;
  }
  return 0;
}

// Registers a mapping seen for the first time and protects its populated pages (protecting
// the holes too would fill page tables for a sparse reservation): all of it counts as
// written this time; later, a page faulted in unprotected counts as written.
void start_tracking(int pagemap, uint64_t start, uint64_t end) {
  uffdio_register reg{{start, end - start}, UFFDIO_REGISTER_MODE_WP, 0};
  long rc = sys::ioctl(g.uffd, UFFDIO_REGISTER, &reg);
  if (rc == 0) {
    rc = scan(pagemap, start, end, 0, kPageIsPresent | kPageIsSwapped, kScanWpMatching, false);
  }
  if (rc < 0) CKPT_LOG(kDebug, "dirty tracking: cannot protect {}-{}: {}", start, end, rc);
  add_written(start, end);
}

void track_mapping(int pagemap, const MapsLine& m) {
  size_t mark = g.nwritten;
  constexpr uint64_t kPopulated = kPageIsPresent | kPageIsSwapped;
  long rc = scan(pagemap, m.start, m.end, kPageIsWritten, kPopulated,
                 kScanWpMatching | kScanCheckWpAsync, true);
  if (rc == 0) rc = scan(pagemap, m.start, m.end, kPageIsPfnZero, 0, 0, true);
  if (rc < 0) {
    g.nwritten = mark;
    start_tracking(pagemap, m.start, m.end);
    return;
  }
  if (g.nscanned < kMaxScanned) g.scanned[g.nscanned++] = Range{m.start, m.end};
}

// Index of the last range starting at or before addr, or -1.
long find(const Range* r, size_t n, uint64_t addr) {
  long lo = 0, hi = static_cast<long>(n) - 1, found = -1;
  while (lo <= hi) {
    long mid = (lo + hi) / 2;
    if (r[mid].start <= addr) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

void reset_keeping_memory() {
  char* mem = g.mem;
  size_t size = g.mem_size;
  g = State{};
  if (mem != nullptr) {
    g.mem = mem;
    g.mem_size = size;
    g.scanned = reinterpret_cast<Range*>(g.mem + kMapsBytes);
    g.written = g.scanned + kMaxScanned;
    g.vec = reinterpret_cast<PageRegion*>(g.written + kMaxWritten);
  }
}

}  // namespace

void start() {
  if (g.available < 0) g.available = probe() ? 1 : 0;
}

void begin_image(uint64_t generation) {
  if (g.available < 0) g.available = probe() ? 1 : 0;
  g.nscanned = g.nwritten = 0;
  g.overflow = false;
  g.since = g.last_generation;
  g.last_generation = generation;
  if (g.available == 0) return;
  long len = read_proc_file("/proc/self/maps", g.mem, kMapsBytes);
  long pagemap = sys::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (len <= 0 || len >= static_cast<long>(kMapsBytes) || pagemap < 0) {
    if (pagemap >= 0) sys::close(static_cast<int>(pagemap));
    g.since = 0;
    return;
  }
  char* cur = g.mem;
  MapsLine m;
  while (next_maps_line(&cur, g.mem + len, &m)) {
    if (eligible(m)) track_mapping(static_cast<int>(pagemap), m);
  }
  sys::close(static_cast<int>(pagemap));
}

bool is_clean(uint64_t addr, uint64_t* since) {
  if (g.available != 1 || g.since == 0 || g.overflow) return false;
  long s = find(g.scanned, g.nscanned, addr);
  if (s < 0 || addr >= g.scanned[s].end) return false;
  long w = find(g.written, g.nwritten, addr);
  if (w >= 0 && addr < g.written[w].end) return false;
  *since = g.since;
  return true;
}

void forget_all() { g.last_generation = g.since = 0; }

void after_fork_child() {
  // The inherited userfaultfd belongs to the parent's address space: drop our copy (the
  // parent keeps its own). The child's mappings are not registered: start again.
  if (g.uffd >= 0) {
    sys::close(g.uffd);
    unmark_internal_fd(g.uffd);
  }
  bool was_on = g.available == 1;
  reset_keeping_memory();
  if (was_on) g.available = open_uffd() ? 1 : 0;
}

void after_restart() {
  // The userfaultfd of the previous life is gone (its number may now be an application
  // fd); our memory came back with the image.
  if (g.uffd >= 0) unmark_internal_fd(g.uffd);
  bool was_on = g.available == 1;
  reset_keeping_memory();
  if (was_on) g.available = open_uffd() ? 1 : 0;
}

int fd() { return g.uffd; }

}  // namespace ckpt::dirty_tracker
