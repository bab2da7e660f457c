// libckpt/core/image_scratch.h: the transient working memory of one image write.
// Checkpoint path: yes. One MAP_NORESERVE mapping made with a raw mmap (never malloc),
// registered in rt().scratch so it is left out of the image, and unmapped afterwards.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "core/page_index.h"
#include "core/runtime.h"
#include "image/image_format.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

struct ImageScratch {
  static constexpr size_t kMapsCap = 32u << 20;
  static constexpr size_t kMaxRegions = 70000;
  static constexpr size_t kStringsCap = 16u << 20;
  static constexpr size_t kMaxRuns = 8u << 20;
  static constexpr size_t kChunkPages = 512;  // pages per pagemap read / bounce copy
  static constexpr size_t kMaxThreadEntries = kMaxThreads;
  static constexpr size_t kMaxRefs = 4u << 20;
  static constexpr size_t kMaxPending = 8u << 20;

  char* base = nullptr;
  size_t size = 0;
  char* maps = nullptr;
  size_t maps_cap = kMapsCap;
  image::RegionEntry* regions = nullptr;
  size_t nregions = 0;
  size_t max_regions = kMaxRegions;
  char* strings = nullptr;
  size_t strings_used = 0;
  image::PageRun* runs = nullptr;
  image::ThreadEntry* threads = nullptr;
  uint32_t nthreads = 0;
  uint64_t* pagemap = nullptr;
  char* bounce = nullptr;
  image::RefRun* refs = nullptr;  // incremental: pages stored as references
  size_t nrefs = 0;
  PendingPage* pending = nullptr; // incremental: pages stored here, for the index
  size_t npending = 0;
  uint64_t nunread = 0;            // incremental: pages referenced without being read

  long map() {
    size = kMapsCap + kMaxRegions * sizeof(image::RegionEntry) + kStringsCap +
           kMaxRuns * sizeof(image::PageRun) + kMaxThreadEntries * sizeof(image::ThreadEntry) +
           kChunkPages * 8 + kChunkPages * image::kPageSize +
           kMaxRefs * sizeof(image::RefRun) + kMaxPending * sizeof(PendingPage);
    size = (size + image::kPageSize - 1) & ~(image::kPageSize - 1);
    long p = sys::mmap(0, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p < 0 && p > -4096) {
      return p;
    }
    base = reinterpret_cast<char*>(p);
    // A VM_DONTCOPY mapping never merges with the application's anonymous neighbours, so
    // /proc/self/maps shows it as a line of its own that collect_regions can leave out.
    sys::call(28 /*madvise*/, p, size, 10 /*MADV_DONTFORK*/);
    rt().scratch[0][0] = static_cast<uint64_t>(p);
    rt().scratch[0][1] = static_cast<uint64_t>(p) + size;
    char* cur = base;
    maps = cur;
    cur += kMapsCap;
    regions = reinterpret_cast<image::RegionEntry*>(cur);
    cur += kMaxRegions * sizeof(image::RegionEntry);
    strings = cur;
    cur += kStringsCap;
    runs = reinterpret_cast<image::PageRun*>(cur);
    cur += kMaxRuns * sizeof(image::PageRun);
    threads = reinterpret_cast<image::ThreadEntry*>(cur);
    cur += kMaxThreadEntries * sizeof(image::ThreadEntry);
    pagemap = reinterpret_cast<uint64_t*>(cur);
    cur += kChunkPages * 8;
    bounce = cur;
    cur += kChunkPages * image::kPageSize;
    refs = reinterpret_cast<image::RefRun*>(cur);
    cur += kMaxRefs * sizeof(image::RefRun);
    pending = reinterpret_cast<PendingPage*>(cur);
    return 0;
  }

  void unmap() {
    if (base != nullptr) {
      sys::munmap(reinterpret_cast<uint64_t>(base), size);
      rt().scratch[0][0] = rt().scratch[0][1] = 0;
      base = nullptr;
    }
  }

  bool contains(uint64_t addr) const {
    for (const auto& r : rt().scratch) {
      if (addr >= r[0] && addr < r[1]) {
        return true;
      }
    }
    return false;
  }

  // Stores a NUL-terminated copy; returns its offset in the strings blob.
  uint32_t add_string(const char* s, size_t n) {
    if (strings_used + n + 1 > kStringsCap) {
      return 0;
    }
    uint32_t off = static_cast<uint32_t>(strings_used);
    sys::mem_copy(strings + off, s, n);
    strings[off + n] = '\0';
    strings_used += n + 1;
    return off;
  }
};

}  // namespace ckpt
