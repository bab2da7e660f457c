// libckpt/core/region_writer.cc: see region_writer.h. Checkpoint path: yes.
#include "core/region_writer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include <initializer_list>

#include "core/image_header.h"
#include "core/plugin_internal.h"  // plugin sections (plugin API)
#include "core/plugin_registry.h"  // kMaxPlugins (plugin API)
#include "core/runtime.h"
#include "image/crc32c.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

using image::kPageSize;
using image::RegionEntry;

namespace {

constexpr uint64_t kPmPresent = 1ull << 63;
constexpr uint64_t kPmSwapped = 1ull << 62;
constexpr uint64_t kPmFile = 1ull << 61;

enum class Policy { kNone, kAnon, kCow, kResident, kAllNonZero };

Policy policy_for(const RegionEntry& e) {
  constexpr uint32_t kSpecial = image::kRegionVdso | image::kRegionVvar |
                                image::kRegionVvarVclock | image::kRegionVsyscall;
  if (e.flags & kSpecial) return Policy::kNone;
  if (e.flags & image::kRegionShared) return Policy::kResident;
  if (e.flags & image::kRegionDeleted) return Policy::kAllNonZero;
  if (e.flags & image::kRegionFile) return Policy::kCow;
  return Policy::kAnon;
}

bool skips_zero_pages(Policy p, const RegionEntry& e) {
  if (p == Policy::kAnon || p == Policy::kAllNonZero) return true;
  return p == Policy::kResident && !(e.flags & image::kRegionFile);
}

bool page_is_zero(const char* p) {
  const auto* w = reinterpret_cast<const uint64_t*>(p);
  for (size_t i = 0; i < kPageSize / 8; ++i) {
    if (w[i] != 0) return false;
  }
  return true;
}

struct Out {
  int fd;
  int pagemap_fd;
  int mem_fd;
  uint64_t off;
  long err;
  uint32_t crc;

  void put(const void* p, size_t n) {
    if (err != 0 || n == 0) return;
    long r = sys::write_all(fd, p, n);
    if (r < 0) {
      err = r;
      return;
    }
    crc = image::crc32c(p, n, crc);
    off += n;
  }
  // Page data goes through here: written as is, or gathered into 1 MiB zstd chunks.
  bool compress;
  ImageScratch* s;
  size_t staged;
  ZSTD_CCtx* cctx;

  void put_pages(const char* p, size_t n) {
    if (!compress) {
      put(p, n);
      return;
    }
    while (n > 0 && err == 0) {
      size_t take = image::kCompressChunkBytes - staged;
      take = take < n ? take : n;
      sys::mem_copy(s->stage + staged, p, take);
      staged += take;
      p += take;
      n -= take;
      if (staged == image::kCompressChunkBytes) flush_chunk();
    }
  }
  void flush_chunk() {
    if (staged == 0) return;
    size_t c = ZSTD_compressCCtx(cctx, s->zbuf, s->zcap, s->stage, staged, 1);
    bool raw = ZSTD_isError(c) || c >= staged;
    image::CompressedChunk h{static_cast<uint32_t>(staged),
                             static_cast<uint32_t>(raw ? staged : c)};
    put(&h, sizeof h);
    put(raw ? s->stage : s->zbuf, h.stored_len);
    staged = 0;
  }

  void pad_to_page() {
    static const char kZeros[kPageSize] = {};
    uint64_t rem = off % kPageSize;
    if (rem != 0 && err == 0) {
      uint32_t keep = crc;
      put(kZeros, kPageSize - rem);
      crc = keep;  // padding is not covered by any checksum
    }
  }
};

// Marks in keep[0..n) the pages of [addr, addr + n pages) that the policy saves.
void select_pages(Out& out, ImageScratch& s, Policy p, uint64_t addr, size_t n, bool* keep) {
  if (p == Policy::kAllNonZero) {
    for (size_t i = 0; i < n; ++i) keep[i] = true;
    return;
  }
  if (p == Policy::kResident) {
    auto* vec = reinterpret_cast<unsigned char*>(s.pagemap);
    long r = sys::call(sys::kMincore, addr, n * kPageSize, vec);
    for (size_t i = 0; i < n; ++i) keep[i] = (r < 0) || (vec[i] & 1);
    return;
  }
  long r = sys::pread_all(out.pagemap_fd, s.pagemap, n * 8, (addr / kPageSize) * 8);
  for (size_t i = 0; i < n; ++i) {
    uint64_t pm = (r == static_cast<long>(n * 8)) ? s.pagemap[i] : kPmPresent;
    bool present = pm & kPmPresent, swapped = pm & kPmSwapped, file = pm & kPmFile;
    keep[i] = (p == Policy::kAnon) ? (present || swapped) : ((present && !file) || swapped);
  }
}

// Where the bytes of [addr, addr+len) can be read: memory itself, or /proc/self/mem for
// pages the process cannot read (PROT_NONE guard pages that still hold data).
// Memory that changes while it is being written (the checkpoint thread's own stack and
// libckpt's data) is copied first, so that the checksum and the bytes written agree.
bool is_volatile(const RegionEntry& e) {
  uint64_t sp = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
  uint64_t self = reinterpret_cast<uint64_t>(&rt());
  return (sp >= e.start && sp < e.end) || (self < e.end && self + sizeof(Runtime) > e.start);
}

const char* page_source(Out& out, ImageScratch& s, const RegionEntry& e, uint64_t addr,
                        size_t len) {
  if ((e.prot & PROT_READ) && !is_volatile(e)) {
    return reinterpret_cast<const char*>(addr);
  }
  if (e.prot & PROT_READ) {
    sys::mem_copy(s.bounce, reinterpret_cast<const void*>(addr), len);
    return s.bounce;
  }
  long r = sys::pread_all(out.mem_fd, s.bounce, len, addr);
  if (r < static_cast<long>(len)) {
    sys::mem_zero(s.bounce + (r > 0 ? r : 0), len - static_cast<size_t>(r > 0 ? r : 0));
  }
  return s.bounce;
}

void add_run(ImageScratch& s, RegionEntry& e, uint64_t first, uint64_t n) {
  if (e.run_count > 0) {
    image::PageRun& last = s.runs[e.run_count - 1];
    if (last.first_page + last.npages == first) {
      last.npages += n;
      e.data_pages += n;
      return;
    }
  }
  if (e.run_count < ImageScratch::kMaxRuns) {
    s.runs[e.run_count++] = image::PageRun{first, n};
    e.data_pages += n;
  }
}

// Writes pages [i, j) of the chunk starting at page `base` (run of kept pages).
void write_run(Out& out, ImageScratch& s, RegionEntry& e, Policy p, uint64_t base, size_t i,
               size_t j) {
  uint64_t addr = e.start + (base + i) * kPageSize;
  const char* src = page_source(out, s, e, addr, (j - i) * kPageSize);
  bool zero_skip = skips_zero_pages(p, e);
  size_t k = i;
  while (k < j) {
    size_t m = k;
    while (m < j && !(zero_skip && page_is_zero(src + (m - i) * kPageSize))) ++m;
    if (m > k) {
      out.put_pages(src + (k - i) * kPageSize, (m - k) * kPageSize);
      add_run(s, e, base + k, m - k);
    }
    k = (m == k) ? k + 1 : m;
  }
}

void write_region(Out& out, ImageScratch& s, RegionEntry& e) {
  Policy p = policy_for(e);
  e.data_offset = out.off;
  out.crc = 0;
  bool keep[ImageScratch::kChunkPages];
  uint64_t npages = (e.end - e.start) / kPageSize;
  for (uint64_t base = 0; p != Policy::kNone && base < npages && out.err == 0;
       base += ImageScratch::kChunkPages) {
    size_t n = static_cast<size_t>(npages - base < ImageScratch::kChunkPages
                                       ? npages - base : ImageScratch::kChunkPages);
    select_pages(out, s, p, e.start + base * kPageSize, n, keep);
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j < n && keep[j]) ++j;
      if (j > i) write_run(out, s, e, p, base, i, j);
      i = (j == i) ? i + 1 : j;
    }
  }
  out.flush_chunk();
  if (out.compress && e.data_pages > 0) e.flags |= image::kRegionCompressed;
  e.runs_offset = out.off;
  out.put(s.runs, e.run_count * sizeof(image::PageRun));
  e.data_crc = out.crc;
  out.pad_to_page();
}

long open_files(Out& out, const char* path) {
  out.fd = static_cast<int>(sys::open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  out.pagemap_fd = static_cast<int>(sys::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  out.mem_fd = static_cast<int>(sys::open("/proc/self/mem", O_RDONLY | O_CLOEXEC));
  if (out.fd < 0) return out.fd;
  long pos = sys::lseek(out.fd, static_cast<long>(image::kHeaderBytes), 0 /*SEEK_SET*/);
  if (pos < 0) return pos;
  if (out.pagemap_fd < 0) return out.pagemap_fd;
  return out.mem_fd < 0 ? out.mem_fd : 0;
}

void close_files(Out& out) {
  for (int fd : {out.fd, out.pagemap_fd, out.mem_fd}) {
    if (fd >= 0) sys::close(fd);
  }
}

// Writes a table at the current offset and returns its checksum.
uint32_t put_table(Out& out, const void* p, size_t n, uint64_t* offset) {
  *offset = out.off;
  out.crc = 0;
  out.put(p, n);
  return out.crc;
}

}  // namespace

long write_image_file(const ImageRequest& req, ImageScratch& s, ImageResult* result) {
  Out out{-1, -1, -1, image::kHeaderBytes, 0, 0, req.compress, &s, 0, nullptr};
  if (req.compress) {
    out.cctx = ZSTD_initStaticCCtx(s.zwork, s.zwork_size);
    out.compress = out.cctx != nullptr;
  }
  long rc = open_files(out, req.path);
  if (rc < 0) {
    close_files(out);
    sys::Fmt(result->error, sizeof result->error).s("cannot create ").s(req.path);
    return rc;
  }
  image::ImageHeader h;
  sys::mem_zero(&h, sizeof h);
  for (size_t i = 0; i < s.nregions && out.err == 0; ++i) {
    write_region(out, s, s.regions[i]);
    h.saved_pages += s.regions[i].data_pages;
  }
  h.region_count = static_cast<uint32_t>(s.nregions);
  h.region_table_crc = put_table(out, s.regions, s.nregions * sizeof(RegionEntry),
                                 &h.region_table_offset);
  h.thread_count = s.nthreads;
  h.thread_table_crc = put_table(out, s.threads, s.nthreads * sizeof(image::ThreadEntry),
                                 &h.thread_table_offset);
  // Plugin API (core/plugin_sections.cc): each plugin's section body, then the section
  // table. Entries are staged in a static array: no allocation in the checkpoint path.
  static image::SectionEntry sections[kMaxPlugins + 1];
  uint32_t nsec = section_count() <= kMaxPlugins + 1 ? section_count() : kMaxPlugins + 1;
  for (uint32_t i = 0; i < nsec; ++i) {
    const void* body = section_entry(i, &sections[i]);
    sections[i].offset = out.off;
    out.put(body, sections[i].size);
  }
  h.section_count = nsec;
  h.section_table_crc = put_table(out, sections, nsec * sizeof(image::SectionEntry),
                                  &h.section_table_offset);
  h.strings_size = s.strings_used;
  h.strings_crc = put_table(out, s.strings, s.strings_used, &h.strings_offset);
  h.file_size = out.off;
  fill_image_header(req, &h);
  long w = sys::pwrite(out.fd, &h, sizeof h, 0);
  if (out.err == 0 && w != static_cast<long>(sizeof h)) out.err = w < 0 ? w : -5;
  if (out.err == 0) out.err = sys::fsync(out.fd);
  close_files(out);
  if (out.err != 0) {
    sys::Fmt(result->error, sizeof result->error).s("writing ").s(req.path).s(" failed");
    return out.err;
  }
  result->size = h.file_size;
  result->checksum = h.header_crc;
  result->nthreads = h.thread_count;
  result->saved_pages = h.saved_pages;
  return 0;
}

}  // namespace ckpt
