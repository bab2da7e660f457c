// libckpt/restore/loader.cc: phase 1 of the restart loader (see loader.h): everything
// that can still fail cleanly, with the original address space untouched.
#include "restore/loader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "image/crc32c.h"
#include "sys/str.h"
#include "sys/syscall.h"

extern "C" char __executable_start[];
extern "C" char _end[];
extern "C" void loader_switch_stack(uint64_t sp, void (*fn)(void*), void* arg);

// The compiler may emit calls to these even in freestanding code.
extern "C" void* memcpy(void* d, const void* s, size_t n) {
  void* ret = d;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return ret;
}
extern "C" void* memset(void* d, int c, size_t n) {
  void* ret = d;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return ret;
}
// libzstd's decompressor is linked in for compressed images; it never needs the heap
// (static context), so these only have to exist.
extern "C" void* malloc(size_t) { return nullptr; }
extern "C" void* calloc(size_t, size_t) { return nullptr; }
extern "C" void free(void*) {}
// libzstd.a is built with the stack protector and optional tracing hooks.
extern "C" [[noreturn]] void __stack_chk_fail() {
  ckpt::sys::write_all(2, "ckpt-restore: stack smashing detected\n", 38);
  ckpt::sys::exit_group(3);
}
struct ZSTD_DCtx_s;
extern "C" unsigned long long ZSTD_trace_decompress_begin(const ZSTD_DCtx_s*) { return 0; }
extern "C" void ZSTD_trace_decompress_end(unsigned long long, const void*) {}

namespace {
// A minimal thread block so that %fs-relative reads (the stack canary at 0x28) work.
alignas(64) unsigned char g_fake_tcb[256];
}  // namespace
extern "C" void* memmove(void* d, const void* s, size_t n) {
  auto* dp = static_cast<unsigned char*>(d);
  const auto* sp = static_cast<const unsigned char*>(s);
  if (dp < sp) {
    for (size_t i = 0; i < n; ++i) dp[i] = sp[i];
  } else {
    for (size_t i = n; i > 0; --i) dp[i - 1] = sp[i - 1];
  }
  return d;
}
extern "C" int memcmp(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

namespace ckpt::loader {

namespace {

constexpr uint64_t kSafeBase = 64ull << 20;  // stack + buffers; tables are added
constexpr uint64_t kGuard = 1ull << 20;
constexpr uint64_t kMapFixedNoReplace = 0x100000;

Loader g_loader;
RestoreArgs g_args;

const char* getenv_from(char** envp, const char* name) {
  size_t n = sys::str_len(name);
  for (char** e = envp; *e != nullptr; ++e) {
    if (sys::starts_with(*e, name) && (*e)[n] == '=') return *e + n + 1;
  }
  return "";
}

const char* env2(char** envp, const char* a, const char* b) {
  const char* v = getenv_from(envp, a);
  return *v != '\0' ? v : getenv_from(envp, b);
}

void fill_args(char** envp, const char* image) {
  RestoreArgs& a = g_args;
  a.magic = kRestoreArgsMagic;
  sys::str_copy(a.image_path, image, sizeof a.image_path);
  const char* host = env2(envp, "CKPT_COORD_HOST", "DMTCP_COORD_HOST");
  const char* port = env2(envp, "CKPT_COORD_PORT", "DMTCP_COORD_PORT");
  sys::str_copy(a.coord_host, *host != '\0' ? host : "localhost", sizeof a.coord_host);
  sys::str_copy(a.coord_port, *port != '\0' ? port : "7779", sizeof a.coord_port);
  sys::str_copy(a.ckpt_dir, env2(envp, "CKPT_CKPTDIR", "DMTCP_CHECKPOINT_DIR"), sizeof a.ckpt_dir);
  sys::str_copy(a.log_spec, getenv_from(envp, "CKPT_LOG"), sizeof a.log_spec);
  sys::str_copy(a.secret, getenv_from(envp, "CKPT_SECRET"), sizeof a.secret);
  a.restore_files = *getenv_from(envp, "CKPT_RESTORE_FILES") != '\0' ? 1 : 0;
}

void read_exact(Loader& l, void* buf, uint64_t n, uint64_t off, const char* what) {
  long r = sys::pread_all(l.fd, buf, n, off);
  if (r != static_cast<long>(n)) fail(l, "truncated image while reading", what, r);
}

void check_header(Loader& l) {
  image::ImageHeader& h = l.header;
  read_exact(l, &h, sizeof h, 0, "the header");
  if (memcmp(h.magic, image::kMagic, sizeof h.magic) != 0) fail(l, "not a ckpt image (bad magic)");
  if (h.format_version != image::kFormatVersion) {
    fail(l, "unsupported image format version", nullptr, h.format_version);
  }
  if (h.arch != image::kArchX86_64) fail(l, "image is for another architecture", nullptr, h.arch);
  uint32_t crc = h.header_crc;
  h.header_crc = 0;
  if (image::crc32c(&h, sizeof h) != crc) fail(l, "header checksum mismatch");
  h.header_crc = crc;
  struct stat st;
  if (sys::call(sys::kFstat, l.fd, &st) == 0 && static_cast<uint64_t>(st.st_size) < h.file_size) {
    fail(l, "truncated image", nullptr, st.st_size);
  }
}

// Reads the region table and strings into `buf` and checks their checksums.
void read_tables(Loader& l, char* buf) {
  image::ImageHeader& h = l.header;
  uint64_t rsize = h.region_count * sizeof(image::RegionEntry);
  read_exact(l, buf, rsize, h.region_table_offset, "the region table");
  if (image::crc32c(buf, rsize) != h.region_table_crc) fail(l, "region table checksum mismatch");
  read_exact(l, buf + rsize, h.strings_size, h.strings_offset, "the strings");
  if (image::crc32c(buf + rsize, h.strings_size) != h.strings_crc) {
    fail(l, "string table checksum mismatch");
  }
  l.regions = reinterpret_cast<image::RegionEntry*>(buf);
  l.strings = buf + rsize;
  char* refs = buf + rsize + h.strings_size;
  uint64_t fsize = h.ref_count * sizeof(image::RefRun);
  read_exact(l, refs, fsize, h.ref_table_offset, "the reference table");
  if (image::crc32c(refs, fsize) != h.ref_table_crc) fail(l, "reference table checksum mismatch");
  l.refs = reinterpret_cast<image::RefRun*>(refs);
}

uint64_t tables_size(const image::ImageHeader& h) {
  return h.region_count * sizeof(image::RegionEntry) + h.strings_size +
         h.ref_count * sizeof(image::RefRun);
}

// <job>/gen-000007/x.ckpt -> <job>
void find_job_dir(Loader& l) {
  sys::str_copy(l.job_dir, l.path, sizeof l.job_dir);
  for (int cut = 0; cut < 2; ++cut) {
    char* p = l.job_dir + sys::str_len(l.job_dir);
    while (p > l.job_dir && *p != '/') --p;
    if (p == l.job_dir) {
      sys::str_copy(l.job_dir, cut == 0 ? "." : "..", sizeof l.job_dir);
      return;
    }
    *p = '\0';
  }
}

void check_files(Loader& l) {
  for (uint32_t i = 0; i < l.header.region_count; ++i) {
    const image::RegionEntry& e = l.regions[i];
    if (!(e.flags & image::kRegionFile)) continue;
    const char* path = l.strings + e.path_offset;
    struct stat st;
    bool shared = e.flags & image::kRegionShared;
    long r = sys::call(sys::kStat, path, &st);
    if (r == -2 /*ENOENT*/ && may_recreate(e, path)) continue;  // map_missing re-creates it
    if (r < 0) fail(l, "mapped file is missing:", path);
    int64_t mtime = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
    // A shared mapping's resident pages are in the image and written back into the file;
    // another process of the computation, restored first, may already have done so (and
    // may have re-created the file: then its inode is new).
    bool same = st.st_ino == e.inode || (shared && recreated_from(path, e));
    if (!same || static_cast<uint64_t>(st.st_size) != e.file_size ||
        (mtime != e.mtime_ns && !shared)) {
      fail(l, "mapped file changed since the checkpoint:", path);
    }
  }
}

bool overlaps_saved(const Loader& l, uint64_t a, uint64_t b) {
  for (uint32_t i = 0; i < l.header.region_count; ++i) {
    if (a < l.regions[i].end && l.regions[i].start < b) return true;
  }
  return false;
}

// Finds room for `size` bytes in a gap of the saved address space that is free now too.
uint64_t find_safe_area(Loader& l, uint64_t size) {
  uint64_t prev_end = 0x10000000;  // keep clear of the low addresses
  for (uint32_t i = 0; i <= l.header.region_count; ++i) {
    uint64_t next = i < l.header.region_count ? l.regions[i].start : 0x7ff000000000ull;
    for (uint64_t a = prev_end + kGuard; a + size + kGuard <= next; a += size + kGuard) {
      bool clash = a < l.self_end && l.self_start < a + size;
      if (clash || overlaps_saved(l, a, a + size)) continue;
      long p = sys::mmap(a, size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | kMapFixedNoReplace, -1, 0);
      if (p == static_cast<long>(a)) return a;
      if (p > 0) sys::munmap(static_cast<uint64_t>(p), size);
      break;  // occupied now (our stack, the vDSO): try the next gap
    }
    if (i < l.header.region_count && l.regions[i].end > prev_end) prev_end = l.regions[i].end;
  }
  fail(l, "no free address range for the loader's working memory");
}

void phase2(void* arg) {
  Loader& l = *static_cast<Loader*>(arg);
  unmap_everything_else(l);
  move_specials(l);
  start_readers(l);
  map_regions(l);
  stop_readers();
  sys::close(l.fd);
  RestoreArgs& a = *l.args;
  a.unmap[0][0] = l.self_start;
  a.unmap[0][1] = l.self_end;
  a.unmap[1][0] = l.safe_start;
  a.unmap[1][1] = l.safe_end;
  a.nunmap = 2;
  auto entry = reinterpret_cast<void (*)(const RestoreArgs*, uint64_t)>(l.header.restart_entry);
  entry(&a, l.header.restart_arg);
  fail(l, "restart entry returned");
}

}  // namespace

void say(const char* s) { sys::write_all(2, s, sys::str_len(s)); }

void fail(const Loader& l, const char* what, const char* detail, long code) {
  char buf[1600];
  sys::Fmt f(buf, sizeof buf);
  f.s("ckpt-restore: ").s(l.path != nullptr ? l.path : "?").s(": ").s(what);
  if (detail != nullptr) f.c(' ').s(detail);
  if (code != 0) f.s(" (").i(code).c(')');
  f.c('\n');
  say(buf);
  sys::exit_group(2);
}

}  // namespace ckpt::loader

extern "C" [[noreturn]] void loader_main(uint64_t* sp) {
  using namespace ckpt;
  using namespace ckpt::loader;
  int argc = static_cast<int>(sp[0]);
  char** argv = reinterpret_cast<char**>(sp + 1);
  char** envp = argv + argc + 1;
  Loader& l = g_loader;
  sys::arch_prctl(0x1002 /*ARCH_SET_FS*/, reinterpret_cast<uint64_t>(g_fake_tcb));
  l.lazy = argc == 3 && sys::str_eq(argv[1], "--lazy");
  const char* image = argv[argc - 1];
  if (argc < 2 || argc > 3 || image[0] == '-' || (argc == 3 && !l.lazy)) {
    say("usage: ckpt-restore [--lazy] IMAGE   (normally run by 'ckpt restart', not by hand)\n");
    sys::exit_group(2);
  }
  fill_args(envp, image);
  l.huge_pages = !sys::str_eq(getenv_from(envp, "CKPT_RESTORE_HUGEPAGES"), "0");
  l.path = g_args.image_path;  // argv lives on the stack that phase 2 unmaps
  l.args = &g_args;
  l.fd = static_cast<int>(sys::open(l.path, O_RDONLY | O_CLOEXEC));
  if (l.fd < 0) fail(l, "cannot open image", nullptr, l.fd);
  l.self_start = reinterpret_cast<uint64_t>(__executable_start) & ~4095ull;
  l.self_end = (reinterpret_cast<uint64_t>(_end) + 4095) & ~4095ull;
  check_header(l);
  uint64_t tables = tables_size(l.header);
  long tmp = sys::mmap(0, tables + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (tmp < 0 && tmp > -4096) fail(l, "out of memory for the region table", nullptr, tmp);
  read_tables(l, reinterpret_cast<char*>(tmp));
  if (overlaps_saved(l, l.self_start, l.self_end)) fail(l, "image overlaps the loader's address");
  check_files(l);
  find_job_dir(l);
  check_sources(l);
  read_current_specials(l);
  check_specials(l);
  uint64_t size = (kSafeBase + tables + 2 * 4096) & ~4095ull;
  l.safe_start = find_safe_area(l, size);
  l.safe_end = l.safe_start + size;
  char* safe = reinterpret_cast<char*>(l.safe_start);
  sys::mem_copy(safe, reinterpret_cast<void*>(tmp), tables);
  l.regions = reinterpret_cast<image::RegionEntry*>(safe);
  l.strings = safe + l.header.region_count * sizeof(image::RegionEntry);
  l.refs = reinterpret_cast<image::RefRun*>(const_cast<char*>(l.strings) + l.header.strings_size);
  sys::munmap(static_cast<uint64_t>(tmp), tables + 4096);
  l.maps_buf = safe + ((tables + 4095) & ~4095ull);
  l.maps_cap = 32u << 20;  // /proc/self/maps text, then one region's run table (2M runs)
  l.zbuf = l.maps_buf + l.maps_cap;  // 4 MiB for decompression, below the parking spot
  l.zout = l.zbuf + (2u << 20);
  l.zwork = l.zout + image::kCompressChunkBytes;
  l.readers = l.zwork + (1u << 20);
  if (l.readers + readers_area_size() > reinterpret_cast<char*>(l.safe_end - (8u << 20))) {
    fail(l, "loader working memory too small");  // layout bug: the parking spot is above
  }
  loader_switch_stack(l.safe_end - 64, phase2, &l);
  __builtin_unreachable();
}
