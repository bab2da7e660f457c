// libckpt/core/region_writer.cc: see region_writer.h. Checkpoint path: yes.
#include "core/region_writer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include <initializer_list>

#include "core/compress_pool.h"
#include "core/dirty_tracker.h"
#include "core/image_header.h"
#include "core/plugin_internal.h"  // plugin sections (plugin API)
#include "core/plugin_registry.h"  // kMaxPlugins (plugin API)
#include "core/region_skip.h"      // ckpt_region_skip_pages (plugin API)
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
  if (e.flags & (kSpecial | image::kRegionSharedElsewhere)) return Policy::kNone;
  if (region_pages_skipped(e.start, e.end)) return Policy::kNone;  // a plugin restores them
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
  // Like put(), for bytes whose crc32c (`c`) is already known.
  void put_summed(const void* p, size_t n, uint32_t c) {
    if (err != 0 || n == 0) return;
    long r = sys::write_all(fd, p, n);
    if (r < 0) {
      err = r;
      return;
    }
    crc = image::crc32c_combine(crc, c, n);
    off += n;
  }
  // Page data goes through here: written as is, or gathered into 1 MiB chunks that the
  // compression pool compresses in parallel and hands back in order (sink).
  bool compress;
  ImageScratch* s;
  size_t staged;
  CompressPool* pool;
  char* chunk;        // pool buffer being filled
  bool incremental;   // pages found in the page index become references
  uint32_t region;    // index of the region being written

  void put_pages(const char* p, size_t n) {
    if (!compress) {
      put(p, n);
      return;
    }
    while (n > 0 && err == 0) {
      if (chunk == nullptr) chunk = pool->fill_buffer(&Out::sink, this);
      size_t take = image::kCompressChunkBytes - staged;
      take = take < n ? take : n;
      sys::mem_copy(chunk + staged, p, take);
      staged += take;
      p += take;
      n -= take;
      if (staged == image::kCompressChunkBytes) queue_chunk();
    }
  }
  void queue_chunk() {
    if (staged == 0) return;
    pool->submit(staged);
    staged = 0;
    chunk = nullptr;
  }
  // Every chunk of the region written (the region's checksum covers them).
  void finish_chunks() {
    if (!compress) return;
    queue_chunk();
    pool->drain(&Out::sink, this);
  }
  static void sink(void* ctx, const char* framed, size_t len, uint32_t c) {
    static_cast<Out*>(ctx)->put_summed(framed, len, c);
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

void add_ref(ImageScratch& s, uint32_t region, uint64_t page, const PageRef& ref,
             uint32_t page_crc) {
  if (s.nrefs > 0) {
    image::RefRun& last = s.refs[s.nrefs - 1];
    if (last.region == region && last.source == ref.source &&
        last.first_page + last.npages == page &&
        last.offset + last.npages * kPageSize == ref.offset) {
      last.crc = crc32c_append_page(last.crc, page_crc);
      last.npages += 1;
      return;
    }
  }
  if (s.nrefs < ImageScratch::kMaxRefs) {
    s.refs[s.nrefs++] = image::RefRun{region, ref.source, page, 1, ref.offset, page_crc,
                                      ref.source_generation};
  }
}

// Logs a page for the index, applied once the image is durable (page_index.h).
void pend(ImageScratch& s, const PendingPage& p) {
  if (s.npending < ImageScratch::kMaxPending) s.pending[s.npending++] = p;
}

// Incremental images: kept pages that the dirty tracker knows unwritten since the previous
// image, and whose index entry that image confirmed, become references without being read.
void take_clean_pages(Out& out, ImageScratch& s, const RegionEntry& e, uint64_t base, size_t n,
                      bool* keep) {
  for (size_t i = 0; i < n; ++i) {
    uint64_t addr = e.start + (base + i) * kPageSize, since = 0, hash = 0;
    PageRef ref;
    uint32_t crc = 0;
    if (!keep[i] || !dirty_tracker::is_clean(addr, &since) ||
        !page_index::lookup_confirmed(addr, since, &ref, &hash, &crc)) {
      continue;
    }
    add_ref(s, out.region, base + i, ref, crc);
    pend(s, PendingPage{addr, hash, ref.offset, crc, ref.source});
    keep[i] = false;
    ++s.nunread;
  }
}

// Stores npages pages at region page `first` (bytes at src): as data, or as references to
// identical pages of earlier generations (--incremental).
void emit_pages(Out& out, ImageScratch& s, RegionEntry& e, uint64_t first, const char* src,
                size_t npages) {
  if (!out.incremental) {
    out.put_pages(src, npages * kPageSize);
    add_run(s, e, first, npages);
    return;
  }
  for (size_t p = 0; p < npages; ++p) {
    const char* page = src + p * kPageSize;
    uint64_t addr = e.start + (first + p) * kPageSize;
    uint64_t hash = page_hash(page);
    uint32_t crc = image::crc32c(page, kPageSize);
    PageRef ref;
    if (page_index::lookup(addr, hash, &ref)) {
      add_ref(s, out.region, first + p, ref, crc);
      pend(s, PendingPage{addr, hash, ref.offset, crc, ref.source});
      continue;
    }
    pend(s, PendingPage{addr, hash, out.off, crc, kThisImage});
    out.put_pages(page, kPageSize);
    add_run(s, e, first + p, 1);
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
    if (m > k) emit_pages(out, s, e, base + k, src + (k - i) * kPageSize, m - k);
    k = (m == k) ? k + 1 : m;
  }
}

void write_region(Out& out, ImageScratch& s, RegionEntry& e) {
  Policy p = policy_for(e);
  e.data_offset = out.off;
  out.crc = 0;
  bool keep[ImageScratch::kChunkPages];
  bool volatile_region = is_volatile(e);
  uint64_t npages = (e.end - e.start) / kPageSize;
  for (uint64_t base = 0; p != Policy::kNone && base < npages && out.err == 0;
       base += ImageScratch::kChunkPages) {
    size_t n = static_cast<size_t>(npages - base < ImageScratch::kChunkPages
                                       ? npages - base : ImageScratch::kChunkPages);
    select_pages(out, s, p, e.start + base * kPageSize, n, keep);
    // libckpt's own state and this thread's stack change between the dirty scan and the
    // capture: always read them.
    if (out.incremental && p == Policy::kAnon && !volatile_region) {
      take_clean_pages(out, s, e, base, n, keep);
    }
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j < n && keep[j]) ++j;
      if (j > i) write_run(out, s, e, p, base, i, j);
      i = (j == i) ? i + 1 : j;
    }
  }
  out.finish_chunks();
  if (out.compress && e.data_pages > 0) {
    e.flags |= image::kRegionCompressed | (out.pool->lz4() ? image::kRegionLz4 : 0u);
  }
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

// "<job>/gen-000007.partial/a.vm.1.ckpt" -> job dir "<job>", rel "gen-000007/a.vm.1.ckpt".
uint32_t begin_incremental(const ImageRequest& req, Out& out) {
  out.incremental = req.incremental && !out.compress;
  return out.incremental ? register_page_source(req) : 0;
}

// Reference table and source list (incremental images); the strings blob gets the paths.
void add_references(Out& out, ImageScratch& s, image::ImageHeader* h) {
  h->ref_count = static_cast<uint32_t>(s.nrefs);
  h->ref_table_crc = put_table(out, s.refs, s.nrefs * sizeof(image::RefRun), &h->ref_table_offset);
  h->sources_offset = static_cast<uint32_t>(s.strings_used);
  h->source_count = out.incremental ? page_index::source_count() : 0;
  for (uint32_t i = 0; i < h->source_count; ++i) {
    const char* p = page_index::source_path(i);
    s.add_string(p, sys::str_len(p));
  }
  h->unread_referenced_pages = s.nunread;
  for (size_t i = 0; i < s.nrefs; ++i) {
    h->referenced_pages += s.refs[i].npages;
    uint64_t g = s.refs[i].source_generation;
    if (h->oldest_referenced_generation == 0 || g < h->oldest_referenced_generation) {
      h->oldest_referenced_generation = g;
    }
  }
}

}  // namespace

uint32_t register_page_source(const ImageRequest& req) {
  char job[1024], rel[512];
  sys::str_copy(job, req.path, sizeof job);
  char* name = job + sys::str_len(job);
  while (name > job && *name != '/') --name;
  char* gen = name - 1;
  while (gen > job && *gen != '/') --gen;
  *name = '\0';
  *gen = '\0';
  sys::Fmt f(rel, sizeof rel);
  f.s(gen + 1);
  if (sys::ends_with(rel, ".partial")) rel[f.len() - 8] = '\0';
  sys::Fmt(rel + sys::str_len(rel), sizeof rel - sys::str_len(rel)).c('/').s(name + 1);
  return page_index::begin(req.generation, job, rel);
}

long write_image_file(const ImageRequest& req, ImageScratch& s, ImageResult* result) {
  CompressPool pool;
  Out out{-1, -1, -1, image::kHeaderBytes, 0, 0, req.compress, &s, 0, &pool, nullptr, false, 0};
  if (req.compress) {
    out.compress = pool.start(CompressPool::default_workers(), req.lz4) == 0;
  }
  long rc = open_files(out, req.path);
  if (rc < 0) {
    pool.stop();
    close_files(out);
    sys::Fmt(result->error, sizeof result->error).s("cannot create ").s(req.path);
    return rc;
  }
  image::ImageHeader h;
  sys::mem_zero(&h, sizeof h);
  uint32_t source = begin_incremental(req, out);
  for (size_t i = 0; i < s.nregions && out.err == 0; ++i) {
    out.region = static_cast<uint32_t>(i);
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
  static image::SectionEntry sections[kMaxPlugins + 2];  // + core.plugins, core.proctree
  uint32_t nsec = section_count() <= kMaxPlugins + 2 ? section_count() : kMaxPlugins + 2;
  for (uint32_t i = 0; i < nsec; ++i) {
    const void* body = section_entry(i, &sections[i]);
    sections[i].offset = out.off;
    out.put(body, sections[i].size);
  }
  h.section_count = nsec;
  h.section_table_crc = put_table(out, sections, nsec * sizeof(image::SectionEntry),
                                  &h.section_table_offset);
  add_references(out, s, &h);
  h.strings_size = s.strings_used;
  h.strings_crc = put_table(out, s.strings, s.strings_used, &h.strings_offset);
  pool.stop();
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
  if (out.incremental) page_index::apply_pending(source, s.pending, s.npending);
  result->size = h.file_size;
  result->checksum = h.header_crc;
  result->nthreads = h.thread_count;
  result->saved_pages = h.saved_pages;
  result->oldest_referenced_generation = h.oldest_referenced_generation;
  return 0;
}

}  // namespace ckpt
