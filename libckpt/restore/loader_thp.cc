// libckpt/restore/loader_thp.cc: transparent huge pages for eager reads (loader.h).
//
// Most of an eager restart of a large process is the kernel zeroing and mapping fresh 4 KiB
// pages one fault at a time. With CKPT_RESTORE_HUGEPAGES=1 in the environment of `ckpt
// restart` (off by default: on the test VM, whose free 2 MiB blocks are handed back to the
// host by virtio-balloon free page reporting, the first huge-page restart after the old
// process died took 11-17 s for 1 GiB instead of 2.5 s, while the next ones took 1 s), and
// when the system hands out huge pages on request only
// (/sys/kernel/mm/transparent_hugepage/enabled is "[madvise]"), the loader asks for them
// (MADV_HUGEPAGE) on the 2 MiB-aligned interior of every run of saved pages that covers at
// least 2 MiB of a private anonymous region, reads, and then sets MADV_NOHUGEPAGE on the
// region: in "madvise" mode that behaves for later faults like the flag-less state the
// image restores otherwise (no huge pages on fault, khugepaged leaves it alone), and it
// merges the split areas again. Only whole saved 2 MiB blocks become huge pages, so holes
// (sparse memory) do not grow the resident size. In "always" mode faults already get huge
// pages, in "never" mode nothing can: the loader does nothing then.
#include <fcntl.h>

#include "restore/loader.h"
#include "sys/syscall.h"

namespace ckpt::loader {

namespace {

constexpr uint64_t kHuge = 2ull << 20;
constexpr long kMadvHugepage = 14;
constexpr long kMadvNoHugepage = 15;

int g_mode = -1;  // 1: "[madvise]"; 0: anything else or unreadable

bool contains(const char* s, long n, const char* word) {
  for (long i = 0; i < n; ++i) {
    long k = 0;
    while (word[k] != '\0' && i + k < n && s[i + k] == word[k]) ++k;
    if (word[k] == '\0') return true;
  }
  return false;
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
  if (g_mode != 1 || (e.flags & (image::kRegionFile | image::kRegionShared))) return false;
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

void end_huge_advice(const image::RegionEntry& e) {
  sys::call(sys::kMadvise, e.start, e.end - e.start, kMadvNoHugepage);
}

}  // namespace ckpt::loader
