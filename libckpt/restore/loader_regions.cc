// libckpt/restore/loader_regions.cc: phase 2 of the restart loader (see loader.h): the
// point of no return. Unmaps the loader's inherited address space, moves the vDSO area,
// and maps every saved region back with its contents (checksums checked while reading).
#include <fcntl.h>
#include <sys/mman.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <lz4.h>
#include <zstd.h>

#include "image/crc32c.h"
#include "restore/loader.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt::loader {

namespace {

constexpr uint32_t kSpecialFlags[3] = {image::kRegionVvar, image::kRegionVvarVclock,
                                       image::kRegionVdso};
constexpr const char* kSpecialNames[3] = {"[vvar]", "[vvar_vclock]", "[vdso]"};
constexpr uint32_t kAnySpecial = image::kRegionVvar | image::kRegionVvarVclock |
                                 image::kRegionVdso | image::kRegionVsyscall;

struct MapsEntry {
  uint64_t start, end;
  const char* name;
};

// Calls fn(entry) for each line of /proc/self/maps (read into l.maps_buf or `buf`).
template <typename Fn>
void for_each_mapping(char* buf, size_t cap, Fn fn) {
  long fd = sys::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  long n = 0, r;
  while (fd >= 0 && (r = sys::read(static_cast<int>(fd), buf + n, cap - 1 - n)) > 0) n += r;
  if (fd >= 0) sys::close(static_cast<int>(fd));
  buf[n] = '\0';
  for (char* line = buf; *line != '\0';) {
    char* eol = line;
    while (*eol != '\0' && *eol != '\n') ++eol;
    bool last = *eol == '\0';
    *eol = '\0';
    const char* q;
    MapsEntry m;
    m.start = sys::parse_u64(line, &q, 16);
    m.end = sys::parse_u64(q + 1, &q, 16);
    const char* name = q;
    for (int field = 0; field < 5 && *name != '\0'; ++field) {
      while (*name != '\0' && *name != ' ') ++name;
      while (*name == ' ') ++name;
    }
    m.name = name;
    fn(m);
    line = last ? eol : eol + 1;
  }
}

const image::RegionEntry* saved_special(const Loader& l, int kind) {
  for (uint32_t i = 0; i < l.header.region_count; ++i) {
    if (l.regions[i].flags & kSpecialFlags[kind]) return &l.regions[i];
  }
  return nullptr;
}

// --lazy: private regions get their saved pages mapped copy-on-write from the image file,
// so the process runs at once and pages come in on first touch. Checksums were verified
// by `ckpt restart` before (or deliberately skipped).
constexpr uint64_t kLazyMinPages = 16;

void map_pages_lazily(Loader& l, const image::RegionEntry& e, const image::PageRun* runs) {
  uint64_t off = e.data_offset;
  for (uint64_t i = 0; i < e.run_count; ++i) {
    uint64_t addr = e.start + runs[i].first_page * image::kPageSize;
    uint64_t len = runs[i].npages * image::kPageSize;
    // Each mapped run is a VMA: short runs are read instead, so that a fragmented region
    // cannot exceed vm.max_map_count (65530).
    if (runs[i].npages < kLazyMinPages) {
      if (sys::pread_all(l.fd, reinterpret_cast<void*>(addr), len, off) != static_cast<long>(len)) {
        fail(l, "truncated image: region data", l.strings + e.path_offset);
      }
    } else {
      long r = sys::mmap(addr, len, static_cast<int>(e.prot) | PROT_WRITE,
                         MAP_PRIVATE | MAP_FIXED, l.fd, off);
      if (r != static_cast<long>(addr)) fail(l, "cannot map image pages lazily", nullptr, r);
    }
    off += len;
  }
}

// Copies decompressed bytes to where the runs say, continuing from *run / *done; with
// src == nullptr the bytes are in place already and only the position moves on.
void scatter(const image::RegionEntry& e, const image::PageRun* runs, const char* src,
             uint64_t len, uint64_t* run, uint64_t* done) {
  while (len > 0 && *run < e.run_count) {
    uint64_t run_bytes = runs[*run].npages * image::kPageSize;
    uint64_t take = run_bytes - *done < len ? run_bytes - *done : len;
    char* dst = reinterpret_cast<char*>(e.start + runs[*run].first_page * image::kPageSize);
    if (src != nullptr) {
      sys::mem_copy(dst + *done, src, take);
      src += take;
    }
    len -= take;
    *done += take;
    if (*done == run_bytes) {
      ++*run;
      *done = 0;
    }
  }
}

// Where the next `len` bytes go when they are all in one run, else nullptr: a chunk is then
// read (stored raw) or decompressed straight into place instead of through l.zbuf/l.zout.
char* contiguous_dest(const image::RegionEntry& e, const image::PageRun* runs, uint64_t run,
                      uint64_t done, uint64_t len) {
  if (run >= e.run_count || runs[run].npages * image::kPageSize - done < len) return nullptr;
  return reinterpret_cast<char*>(e.start + runs[run].first_page * image::kPageSize + done);
}

// Faults in the saved runs of a private anonymous region with one call per run, rather
// than one page fault per page while the chunks are copied in (Linux 5.14; else ignored).
void populate_runs(const image::RegionEntry& e, const image::PageRun* runs) {
  constexpr long kMadvPopulateWrite = 23;
  if (e.flags & (image::kRegionFile | image::kRegionShared)) return;
  for (uint64_t r = 0; r < e.run_count; ++r) {
    if (runs[r].npages < 16) continue;
    sys::call(sys::kMadvise, e.start + runs[r].first_page * image::kPageSize,
              runs[r].npages * image::kPageSize, kMadvPopulateWrite);
  }
}

// Decompresses one chunk of `stored` bytes at l.zbuf into `to` (nullptr: l.zout); false if
// it is corrupt.
bool decompress_chunk(Loader& l, ZSTD_DCtx* d, uint32_t stored, uint32_t raw, char* to) {
  char* out = to != nullptr ? to : l.zout;
  if (d == nullptr) {  // lz4 block
    int n = LZ4_decompress_safe(l.zbuf, out, static_cast<int>(stored), static_cast<int>(raw));
    return n == static_cast<int>(raw);
  }
  size_t n = ZSTD_decompressDCtx(d, out, raw, l.zbuf, stored);
  return !ZSTD_isError(n) && n == raw;
}

// Chunk by chunk: one preadv reads a chunk's bytes and the next chunk's header. Raw chunks
// (stored as is) that fit in the current run are read straight into place.
uint32_t put_compressed(Loader& l, const image::RegionEntry& e, const image::PageRun* runs) {
  bool lz4 = e.flags & image::kRegionLz4;
  ZSTD_DCtx* d = lz4 ? nullptr : ZSTD_initStaticDCtx(l.zwork, ZSTD_estimateDCtxSize());
  if (!lz4 && d == nullptr) fail(l, "cannot set up zstd decompression");
  // 4 KiB pages only: the huge-page give-up (loader_thp.cc) times the eager readers' populates
  populate_runs(e, runs);
  uint64_t off = e.data_offset, run = 0, done = 0;
  uint32_t crc = 0;
  image::CompressedChunk h{0, 0}, next{0, 0};
  if (off < e.runs_offset && sys::pread_all(l.fd, &h, sizeof h, off) != sizeof h) h.raw_len = ~0u;
  while (off < e.runs_offset) {
    uint64_t after = off + sizeof h + h.stored_len;
    // a chunk that goes into one run is read (stored raw) or decompressed straight into place
    char* direct = contiguous_dest(e, runs, run, done, h.raw_len);
    char* buf = h.stored_len == h.raw_len && direct != nullptr ? direct : l.zbuf;
    struct iovec iov[2] = {{buf, h.stored_len}, {&next, sizeof next}};
    int niov = after < e.runs_offset ? 2 : 1;
    if (h.stored_len > (2u << 20) || h.raw_len > image::kCompressChunkBytes ||
        after > e.runs_offset || preadv_all(l.fd, iov, niov, off + sizeof h) != 0) {
      fail(l, "truncated or corrupt compressed chunk in region", l.strings + e.path_offset);
    }
    crc = image::crc32c(&h, sizeof h, crc);
    crc = image::crc32c(buf, h.stored_len, crc);
    if (h.stored_len != h.raw_len && !decompress_chunk(l, d, h.stored_len, h.raw_len, direct)) {
      fail(l, lz4 ? "corrupt lz4 data in region" : "corrupt zstd data in region",
           l.strings + e.path_offset);
    }
    const char* src = h.stored_len != h.raw_len ? l.zout : buf;
    scatter(e, runs, direct != nullptr ? nullptr : src, h.raw_len, &run, &done);
    off = after;
    h = next;
  }
  return crc;
}

void put_pages(Loader& l, const image::RegionEntry& e, char* runs_buf) {
  uint64_t runs_bytes = e.run_count * sizeof(image::PageRun);
  if (sys::pread_all(l.fd, runs_buf, runs_bytes, e.runs_offset) != static_cast<long>(runs_bytes)) {
    fail(l, "truncated image: run table of region at", l.strings + e.path_offset);
  }
  auto* runs = reinterpret_cast<image::PageRun*>(runs_buf);
  bool compressed = e.flags & image::kRegionCompressed;
  if (l.lazy && !compressed && !(e.flags & image::kRegionShared)) {
    map_pages_lazily(l, e, runs);
    return;
  }
  uint32_t crc = compressed ? put_compressed(l, e, runs) : read_region_pages(l, e, runs);
  crc = image::crc32c(runs_buf, runs_bytes, crc);
  if (crc != e.data_crc) {
    fail(l, "region checksum mismatch (image corrupt):", l.strings + e.path_offset);
  }
}

long map_one(Loader& l, const image::RegionEntry& e, int prot) {
  uint64_t len = e.end - e.start;
  bool shared = e.flags & image::kRegionShared;
  if (is_recreated(e, l.strings + e.path_offset)) return map_recreated(l, e, prot);
  if (!(e.flags & image::kRegionFile)) {
    int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_FIXED;
    if (e.flags & image::kRegionStack) flags |= MAP_GROWSDOWN;
    return sys::mmap(e.start, len, prot, flags, -1, 0);
  }
  const char* path = l.strings + e.path_offset;
  bool rw = shared && (e.prot & PROT_WRITE);
  long fd = sys::open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd == -2 /*ENOENT*/ && may_recreate(e, path)) return map_missing(l, e, prot);
  if (fd < 0) fail(l, "cannot open mapped file", path, fd);
  int p = shared && !rw ? static_cast<int>(e.prot) : prot;
  long r = sys::mmap(e.start, len, p, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED,
                     static_cast<int>(fd), e.file_offset);
  sys::close(static_cast<int>(fd));
  return r;
}

}  // namespace

void read_current_specials(Loader& l) {
  char buf[16384];
  for (int k = 0; k < 3; ++k) l.now.start[k] = l.now.end[k] = 0;
  for_each_mapping(buf, sizeof buf, [&](const MapsEntry& m) {
    for (int k = 0; k < 3; ++k) {
      if (sys::str_eq(m.name, kSpecialNames[k])) {
        l.now.start[k] = m.start;
        l.now.end[k] = m.end;
      }
    }
  });
}

void check_specials(Loader& l) {
  for (int k = 0; k < 3; ++k) {
    const image::RegionEntry* e = saved_special(l, k);
    uint64_t now = l.now.end[k] - l.now.start[k];
    if ((e == nullptr) != (now == 0) || (e != nullptr && e->end - e->start != now)) {
      fail(l, "this kernel's vDSO layout differs from the image's:", kSpecialNames[k]);
    }
  }
}

void unmap_everything_else(Loader& l) {
  for_each_mapping(l.maps_buf, l.maps_cap, [&](const MapsEntry& m) {
    bool mine = (m.start >= l.self_start && m.end <= l.self_end) ||
                (m.start >= l.safe_start && m.end <= l.safe_end);
    bool special = m.name[0] == '[' && !sys::str_eq(m.name, "[stack]") &&
                   !sys::str_eq(m.name, "[heap]");
    if (!mine && !special) sys::munmap(m.start, m.end - m.start);
  });
}

void move_specials(Loader& l) {
  uint64_t tmp = l.safe_end - (8u << 20);  // parking space below the stack
  for (int k = 0; k < 3; ++k) {
    if (l.now.start[k] == 0) continue;
    uint64_t len = l.now.end[k] - l.now.start[k];
    long r = sys::mremap(l.now.start[k], len, len, MREMAP_MAYMOVE | MREMAP_FIXED, tmp);
    if (r < 0) fail(l, "cannot move", kSpecialNames[k], r);
    l.now.start[k] = tmp;
    tmp += len;
  }
  for (int k = 0; k < 3; ++k) {
    const image::RegionEntry* e = saved_special(l, k);
    if (e == nullptr) continue;
    uint64_t len = e->end - e->start;
    long r = sys::mremap(l.now.start[k], len, len, MREMAP_MAYMOVE | MREMAP_FIXED, e->start);
    if (r < 0) fail(l, "cannot move back", kSpecialNames[k], r);
  }
}

void map_regions(Loader& l) {
  char* runs_buf = l.maps_buf;  // the maps text is no longer needed
  for (uint32_t i = 0; i < l.header.region_count; ++i) {
    const image::RegionEntry& e = l.regions[i];
    if (e.flags & kAnySpecial) continue;
    int prot = static_cast<int>(e.prot) | PROT_WRITE;
    long r = map_one(l, e, prot);
    if (r != static_cast<long>(e.start)) fail(l, "cannot map region", l.strings + e.path_offset, r);
    bool read_only_shared_file = (e.flags & image::kRegionFile) &&
                                 (e.flags & image::kRegionShared) && !(e.prot & PROT_WRITE) &&
                                 !recreated_missing(e);
    if (e.run_count > 0 && !read_only_shared_file) {
      if (e.run_count * sizeof(image::PageRun) > l.maps_cap) fail(l, "run table too large");
      put_pages(l, e, runs_buf);
    }
    if (!read_only_shared_file) apply_refs(l, i);  // the file's pages, as for put_pages
    keep_thp_flags(e);
    if (prot != static_cast<int>(e.prot)) sys::mprotect(e.start, e.end - e.start, e.prot);
  }
  close_recreated();
  close_sources();
  close_missing();
}

}  // namespace ckpt::loader
