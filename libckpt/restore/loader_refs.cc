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

// Eager restarts read the references of a region in parallel (loader_read.cc), with every
// referenced image open at once.
constexpr uint32_t kMaxOpenSources = 64;
int g_source_fds[kMaxOpenSources];
uint32_t g_sources_open = 0;

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

namespace {

bool open_all_sources(Loader& l) {
  if (l.header.source_count > kMaxOpenSources) return false;
  char path[1400];
  for (; g_sources_open < l.header.source_count; ++g_sources_open) {
    source_path(l, g_sources_open, path, sizeof path);
    long fd = sys::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(l, "cannot open referenced image", path, fd);
    g_source_fds[g_sources_open] = static_cast<int>(fd);
  }
  return true;
}

[[noreturn]] void fail_ref(const Loader& l, const image::RefRun& r, long err) {
  char gen[32];
  sys::Fmt(gen, sizeof gen).s("gen-").pad(6, '0', r.source_generation);
  fail(l, "referenced pages changed or truncated in generation", gen, err);
}

}  // namespace

void close_sources() {
  for (uint32_t i = 0; i < g_sources_open; ++i) sys::close(g_source_fds[i]);
  g_sources_open = 0;
  if (g_open_fd >= 0) sys::close(g_open_fd);
  g_open_fd = g_open_source = -1;
}

void apply_refs(Loader& l, uint32_t region) {
  if (l.header.ref_count == 0) return;
  if (!l.lazy && open_all_sources(l)) {
    long err = 0;
    long bad = read_region_refs(l, region, g_source_fds, &err);
    if (bad >= 0) fail_ref(l, l.refs[bad], err);
    return;
  }
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
      fail_ref(l, r, n);
    }
  }
}

}  // namespace ckpt::loader
