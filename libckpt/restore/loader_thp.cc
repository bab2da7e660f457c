// libckpt/restore/loader_thp.cc: transparent huge pages for eager reads (loader.h).
//
// Most of an eager restart of a large process is the kernel zeroing and mapping fresh 4 KiB
// pages one fault at a time. So by default (CKPT_RESTORE_HUGEPAGES=0 or `ckpt restart
// --no-hugepages` turn it off), when the system hands out huge pages on request only
// (/sys/kernel/mm/transparent_hugepage/enabled is "[madvise]"), the loader asks for them
// (MADV_HUGEPAGE) on the 2 MiB-aligned interior of every run of saved pages that covers at
// least 2 MiB of a private anonymous region, reads, and then sets MADV_NOHUGEPAGE on the
// region: in "madvise" mode that behaves for later faults like the flag-less state the
// image restores otherwise (no huge pages on fault, khugepaged leaves it alone), and it
// merges the split areas again. Only whole saved 2 MiB blocks become huge pages, so holes
// (sparse memory) do not grow the resident size. In "always" mode faults already get huge
// pages, in "never" mode nothing can: the loader does nothing then.
//
// The bad case is bounded. A 2 MiB page may come from memory the host has taken back (on
// the test VM virtio-balloon free page reporting hands every free 2 MiB block to the host
// a few seconds after it is freed, page_reporting_order 9); faulting it in then costs the
// host's faults on top of the zeroing: 7-9 ms of CPU per 2 MiB instead of 0.3 ms, while
// 4 KiB faults are served from smaller free blocks the host never got (1.1 ms per 2 MiB).
// The readers time (thread CPU time, so preemption on a loaded machine does not count)
// every populate of advised memory; once a window of kWindowBytes has cost more than
// kSlowNsPer2M per 2 MiB, huge pages are not asked for again in this restart and the
// current region's advice is taken back, so the rest is read into 4 KiB pages.
#include <fcntl.h>

#include "restore/loader.h"
#include "sys/syscall.h"

namespace ckpt::loader {

namespace {

constexpr uint64_t kHuge = 2ull << 20;
constexpr long kMadvHugepage = 14;
constexpr long kMadvNoHugepage = 15;
constexpr long kMadvPopulateWrite = 23;      // Linux 5.14; older kernels: EINVAL, ignored
constexpr int kThreadCpuClock = 3;           // CLOCK_THREAD_CPUTIME_ID
constexpr uint64_t kWindowBytes = 16ull << 20;  // 8 blocks: one slow block does not decide
constexpr uint64_t kSlowNsPer2M = 2000000;   // fresh: 0.3 ms; 4 KiB faults: 1.1; reported: 7-9

int g_mode = -1;       // 1: "[madvise]" and wanted; 0: anything else or unreadable
int g_gave_up = 0;     // set once huge pages proved slower than 4 KiB ones (atomic)
uint64_t g_window[2];  // bytes and CPU ns of advised populates in the current window (atomic)

bool contains(const char* s, long n, const char* word) {
  for (long i = 0; i < n; ++i) {
    long k = 0;
    while (word[k] != '\0' && i + k < n && s[i + k] == word[k]) ++k;
    if (word[k] == '\0') return true;
  }
  return false;
}

uint64_t thread_cpu_ns() {
  sys::Timespec ts{};
  sys::clock_gettime(kThreadCpuClock, &ts);
  return static_cast<uint64_t>(ts.sec) * 1000000000ull + static_cast<uint64_t>(ts.nsec);
}

// Adds a populate of `bytes` advised bytes that took `ns`; true when the window just closed
// over the limit (only one caller sees that).
bool window_too_slow(uint64_t bytes, uint64_t ns) {
  uint64_t total = __atomic_add_fetch(&g_window[0], bytes, __ATOMIC_ACQ_REL);
  uint64_t spent = __atomic_add_fetch(&g_window[1], ns, __ATOMIC_ACQ_REL);
  if (total < kWindowBytes || total - bytes >= kWindowBytes) return false;
  __atomic_store_n(&g_window[1], 0, __ATOMIC_RELEASE);
  __atomic_store_n(&g_window[0], 0, __ATOMIC_RELEASE);
  return spent > total / kHuge * kSlowNsPer2M;
}

}  // namespace

void detect_thp_advice(const Loader& l) {
  g_mode = 0;
  if (!l.huge_pages) return;
  char buf[128];
  long fd = sys::open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY | O_CLOEXEC);
  long n = fd < 0 ? -1 : sys::read(static_cast<int>(fd), buf, sizeof buf);
  if (fd >= 0) sys::close(static_cast<int>(fd));
  g_mode = n > 0 && contains(buf, n, "[madvise]") ? 1 : 0;
}

bool advise_huge_runs(const image::RegionEntry& e, const image::PageRun* runs) {
  if (g_mode != 1 || __atomic_load_n(&g_gave_up, __ATOMIC_ACQUIRE)) return false;
  if (e.flags & (image::kRegionFile | image::kRegionShared | image::kRegionNoHugepage)) return false;
  if (e.data_pages * image::kPageSize < kHuge) return false;
  bool any = false;
  for (uint64_t r = 0; r < e.run_count; ++r) {
    uint64_t a = e.start + runs[r].first_page * image::kPageSize;
    uint64_t b = a + runs[r].npages * image::kPageSize;
    a = (a + kHuge - 1) & ~(kHuge - 1);
    b &= ~(kHuge - 1);
    if (b > a && sys::call(sys::kMadvise, a, b - a, kMadvHugepage) == 0) any = true;
  }
  return any;
}

void populate_span(const image::RegionEntry& e, bool huge, void* base, uint64_t len) {
  uint64_t a = (reinterpret_cast<uint64_t>(base) + kHuge - 1) & ~(kHuge - 1);
  uint64_t b = (reinterpret_cast<uint64_t>(base) + len) & ~(kHuge - 1);
  bool timed = huge && b > a && !__atomic_load_n(&g_gave_up, __ATOMIC_ACQUIRE);
  uint64_t t0 = timed ? thread_cpu_ns() : 0;
  sys::call(sys::kMadvise, base, len, kMadvPopulateWrite);
  if (!timed || !window_too_slow(b - a, thread_cpu_ns() - t0)) return;
  __atomic_store_n(&g_gave_up, 1, __ATOMIC_RELEASE);
  sys::call(sys::kMadvise, e.start, e.end - e.start, kMadvNoHugepage);
}

void end_huge_advice(const image::RegionEntry& e) {
  if (e.flags & image::kRegionHugepage) return;  // keep_thp_flags merges it again
  sys::call(sys::kMadvise, e.start, e.end - e.start, kMadvNoHugepage);
}

void keep_thp_flags(const image::RegionEntry& e) {
  if (e.flags & image::kRegionHugepage) sys::call(sys::kMadvise, e.start, e.end - e.start, kMadvHugepage);
  if (e.flags & image::kRegionNoHugepage) sys::call(sys::kMadvise, e.start, e.end - e.start, kMadvNoHugepage);
}

}  // namespace ckpt::loader
