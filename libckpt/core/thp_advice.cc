// libckpt/core/thp_advice.cc: see thp_advice.h. The madvise wrapper runs in application
// threads; mark_thp_flags is checkpoint-path (raw syscalls, caller's buffer).
#include "core/thp_advice.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "ckpt/plugin.h"
#include "core/next_fn.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

int g_seen = 0;  // atomic

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

uint64_t parse_start(const char* p) {
  uint64_t v = 0;
  for (; is_hex(*p); ++p) v = v * 16 + static_cast<uint64_t>(*p <= '9' ? *p - '0' : *p - 'a' + 10);
  return v;
}

bool has_word(const char* p, const char* end, char a, char b) {
  for (; p + 1 < end; ++p) {
    if (p[0] == a && p[1] == b && p[-1] == ' ' && (p + 2 == end || p[2] == ' ')) return true;
  }
  return false;
}

struct Marker {
  image::RegionEntry* regions;
  size_t n;
  size_t next = 0;         // regions are in address order, as smaps is
  image::RegionEntry* current = nullptr;

  void line(const char* p, const char* end) {
    if (is_hex(p[0])) {
      uint64_t start = parse_start(p);
      while (next < n && regions[next].start < start) ++next;
      current = next < n && regions[next].start == start ? &regions[next] : nullptr;
    } else if (current != nullptr && end - p > 8 && p[0] == 'V' && p[1] == 'm' && p[2] == 'F') {
      if (has_word(p + 8, end, 'h', 'g')) current->flags |= image::kRegionHugepage;
      if (has_word(p + 8, end, 'n', 'h')) current->flags |= image::kRegionNoHugepage;
    }
  }
};

}  // namespace

bool thp_advice_seen() { return __atomic_load_n(&g_seen, __ATOMIC_ACQUIRE) != 0; }

void mark_thp_flags(image::RegionEntry* regions, size_t n, char* buf, size_t cap) {
  long fd = sys::open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  Marker m{regions, n};
  size_t have = 0;
  for (;;) {
    long got = sys::read(static_cast<int>(fd), buf + have, cap - have);
    if (got == -4) continue;
    if (got <= 0) break;
    have += static_cast<size_t>(got);
    size_t begin = 0;
    for (size_t i = 0; i < have; ++i) {
      if (buf[i] != '\n') continue;
      m.line(buf + begin, buf + i);
      begin = i + 1;
    }
    for (size_t i = begin; i < have; ++i) buf[i - begin] = buf[i];  // the unfinished line
    have -= begin;
    if (have == cap) have = 0;  // a line longer than the buffer: dropped
  }
  sys::close(static_cast<int>(fd));
}

}  // namespace ckpt

extern "C" CKPT_EXPORT int madvise(void* addr, size_t len, int advice) {
  using Fn = int (*)(void*, size_t, int);
  static Fn next;
  int rc = ckpt::next_fn(&next, "madvise")(addr, len, advice);
  if (rc == 0 && (advice == MADV_HUGEPAGE || advice == MADV_NOHUGEPAGE)) {
    __atomic_store_n(&ckpt::g_seen, 1, __ATOMIC_RELEASE);
  }
  return rc;
}
