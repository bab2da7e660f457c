// libckpt/restore/loader_refs.cc: pages of an incremental image that live in earlier
// generations' images (image::RefRun). Phase 1 checks that every referenced image exists;
// phase 2 reads (or, with --lazy, maps) the referenced pages and checks their CRC.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "image/crc32c.h"
#include "restore/loader.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt::loader {

namespace {

const char* source_rel(const Loader& l, uint32_t source) {
  const char* p = l.strings + l.header.sources_offset;
  for (uint32_t i = 0; i < source && i < l.header.source_count; ++i) p += sys::str_len(p) + 1;
  return p;
}

void source_path(const Loader& l, uint32_t source, char* out, size_t cap) {
  sys::Fmt(out, cap).s(l.job_dir).c('/').s(source_rel(l, source));
}

int g_open_source = -1;
int g_open_fd = -1;

int open_source(Loader& l, uint32_t source) {
  if (g_open_source == static_cast<int>(source)) return g_open_fd;
  if (g_open_fd >= 0) sys::close(g_open_fd);
  char path[1400];
  source_path(l, source, path, sizeof path);
  g_open_fd = static_cast<int>(sys::open(path, O_RDONLY | O_CLOEXEC));
  if (g_open_fd < 0) fail(l, "cannot open referenced image", path, g_open_fd);
  g_open_source = static_cast<int>(source);
  return g_open_fd;
}

}  // namespace

void check_sources(Loader& l) {
  for (uint32_t i = 0; i < l.header.ref_count; ++i) {
    const image::RefRun& r = l.refs[i];
    if (r.source >= l.header.source_count) fail(l, "reference to an unknown source image");
    char path[1400];
    source_path(l, r.source, path, sizeof path);
    struct stat st;
    if (sys::call(sys::kStat, path, &st) < 0) {
      char gen[32];
      sys::Fmt(gen, sizeof gen).s("gen-").pad(6, '0', r.source_generation);
      fail(l, "image needs generation", gen, 0);
    }
  }
}

void apply_refs(Loader& l, uint32_t region) {
  for (uint32_t i = 0; i < l.header.ref_count; ++i) {
    const image::RefRun& r = l.refs[i];
    if (r.region != region) continue;
    const image::RegionEntry& e = l.regions[region];
    uint64_t addr = e.start + r.first_page * image::kPageSize;
    uint64_t len = r.npages * image::kPageSize;
    int fd = open_source(l, r.source);
    if (l.lazy && !(e.flags & image::kRegionShared) && r.npages >= 16) {  // see map_pages_lazily
      long m = sys::mmap(addr, len, static_cast<int>(e.prot) | PROT_WRITE,
                         MAP_PRIVATE | MAP_FIXED, fd, r.offset);
      if (m != static_cast<long>(addr)) fail(l, "cannot map referenced pages", nullptr, m);
      continue;
    }
    long n = sys::pread_all(fd, reinterpret_cast<void*>(addr), len, r.offset);
    if (n != static_cast<long>(len) || image::crc32c(reinterpret_cast<void*>(addr), len) != r.crc) {
      char gen[32];
      sys::Fmt(gen, sizeof gen).s("gen-").pad(6, '0', r.source_generation);
      fail(l, "referenced pages changed or truncated in generation", gen, n);
    }
  }
}

}  // namespace ckpt::loader
