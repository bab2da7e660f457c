// libckpt/core/page_index.cc: see page_index.h. Checkpoint path: yes.
#include "core/page_index.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include "image/crc32c.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr uint32_t kMaxSources = 4096;

struct Entry {
  uint64_t addr;   // 0 = empty
  uint64_t hash;
  uint64_t offset;
  uint32_t source;
  uint32_t crc;          // CRC32C of the page
  uint64_t generation;   // last image whose contents for this page this entry matched
};

struct Source {
  char rel_path[256];
  uint32_t generation;
  int32_t exists;          // -1 unknown this round
};

struct Index {
  Entry* table;
  uint64_t capacity;       // power of two
  uint64_t used;
  Source sources[kMaxSources];
  uint32_t nsources;
  char job_dir[1024];
};

Index g_index;

// Direct-mapped by page number: neighbouring pages use neighbouring slots, so the table's
// resident size follows the number of pages saved, not the capacity.
uint64_t slot_of(uint64_t addr, uint64_t cap) { return (addr >> 12) & (cap - 1); }

// Returns true when the address was not in the table yet.
bool insert(Entry* table, uint64_t cap, const Entry& e) {
  for (uint64_t i = slot_of(e.addr, cap);; i = (i + 1) & (cap - 1)) {
    if (table[i].addr == 0 || table[i].addr == e.addr) {
      bool added = table[i].addr == 0;
      table[i] = e;
      return added;
    }
  }
}

bool grow(uint64_t need) {
  Index& x = g_index;
  uint64_t cap = x.capacity != 0 ? x.capacity : 1u << 16;
  while (cap < 2 * need) cap *= 2;
  if (cap == x.capacity) return true;
  long p = sys::mmap(0, cap * sizeof(Entry), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p < 0 && p > -4096) return false;
  auto* table = reinterpret_cast<Entry*>(p);
  for (uint64_t i = 0; i < x.capacity; ++i) {
    if (x.table[i].addr != 0) insert(table, cap, x.table[i]);
  }
  if (x.table != nullptr) sys::munmap(reinterpret_cast<uint64_t>(x.table), x.capacity * sizeof(Entry));
  x.table = table;
  x.capacity = cap;
  return true;
}

bool source_exists(uint32_t i) {
  Source& s = g_index.sources[i];
  if (s.exists < 0) {
    char path[1400];
    sys::Fmt(path, sizeof path).s(g_index.job_dir).c('/').s(s.rel_path);
    struct stat st;
    s.exists = sys::call(sys::kStat, path, &st) == 0 ? 1 : 0;
  }
  return s.exists == 1;
}

}  // namespace

namespace {
__attribute__((target("sse4.2"))) uint64_t page_hash_hw(const uint64_t* w) {
  uint64_t a = ~0ull, b = 0x5bd1e995;
  for (int i = 0; i < 512; i += 2) {
    a = __builtin_ia32_crc32di(a, w[i]);
    b = __builtin_ia32_crc32di(b, w[i + 1]);
  }
  return (a << 32) | (b & 0xffffffffull);
}
}  // namespace

uint64_t page_hash(const void* page) {
  // Two CRC32C streams over the even and the odd 8-byte words: 64 bits at the speed of the
  // crc32 instruction; every change of up to 32 bits within one stream is always detected.
  const auto* w = static_cast<const uint64_t*>(page);
  static int hw = -1;  // benign race: every thread computes the same answer
  if (hw < 0) hw = image::crc_detail::cpu_has_sse42() ? 1 : 0;
  if (hw == 1) return page_hash_hw(w);
  uint64_t a = 0, b = 0x5bd1e995;
  for (int i = 0; i < 512; i += 2) {
    a = image::crc32c(&w[i], 8, static_cast<uint32_t>(a));
    b = image::crc32c(&w[i + 1], 8, static_cast<uint32_t>(b));
  }
  return (a << 32) | b;
}

namespace {
// The CRC register after 4096 zero bytes, as a linear map: column i is the image of bit i.
uint32_t g_page_shift[32];
bool g_page_shift_ready = false;

void init_page_shift() {
  static const char kZeros[4096] = {};
  for (int i = 0; i < 32; ++i) {
    // crc32c(buf, n, c) = ~R(~c, buf), and R(s, zeros) is linear in s.
    g_page_shift[i] = ~image::crc32c(kZeros, sizeof kZeros, ~(1u << i));
  }
  g_page_shift_ready = true;
}
}  // namespace

uint32_t crc32c_append_page(uint32_t run_crc, uint32_t page_crc) {
  if (!g_page_shift_ready) init_page_shift();
  uint32_t shifted = 0;
  for (int i = 0; i < 32; ++i) {
    if (run_crc & (1u << i)) shifted ^= g_page_shift[i];
  }
  return shifted ^ page_crc;
}

namespace page_index {

uint32_t begin(uint64_t generation, const char* job_dir, const char* rel_path) {
  Index& x = g_index;
  sys::str_copy(x.job_dir, job_dir, sizeof x.job_dir);
  for (uint32_t i = 0; i < x.nsources; ++i) x.sources[i].exists = -1;
  uint32_t me = x.nsources < kMaxSources ? x.nsources++ : kMaxSources - 1;
  sys::str_copy(x.sources[me].rel_path, rel_path, sizeof x.sources[me].rel_path);
  x.sources[me].generation = static_cast<uint32_t>(generation);
  x.sources[me].exists = 0;  // not durable yet: never referenced by itself
  return me;
}

// The entry of `addr`, or nullptr.
static const Entry* find_entry(uint64_t addr) {
  Index& x = g_index;
  if (x.table == nullptr) return nullptr;
  for (uint64_t i = slot_of(addr, x.capacity);; i = (i + 1) & (x.capacity - 1)) {
    const Entry& e = x.table[i];
    if (e.addr == 0) return nullptr;
    if (e.addr == addr) return &e;
  }
}

bool lookup(uint64_t addr, uint64_t hash, PageRef* ref) {
  const Entry* e = find_entry(addr);
  if (e == nullptr || e->hash != hash || !source_exists(e->source)) return false;
  *ref = PageRef{e->source, g_index.sources[e->source].generation, e->offset};
  return true;
}

bool lookup_confirmed(uint64_t addr, uint64_t generation, PageRef* ref, uint64_t* hash,
                      uint32_t* crc) {
  const Entry* e = find_entry(addr);
  if (e == nullptr || e->generation != generation || !source_exists(e->source)) return false;
  *ref = PageRef{e->source, g_index.sources[e->source].generation, e->offset};
  *hash = e->hash;
  *crc = e->crc;
  return true;
}

void apply_pending(uint32_t source, const PendingPage* pages, size_t n) {
  Index& x = g_index;
  if (!grow(x.used + n)) return;
  uint64_t generation = x.sources[source].generation;
  for (size_t i = 0; i < n; ++i) {
    const PendingPage& p = pages[i];
    uint32_t from = p.source == kThisImage ? source : p.source;
    Entry e{p.addr, p.hash, p.offset, from, p.crc, generation};
    x.used += insert(x.table, x.capacity, e) ? 1 : 0;
  }
  x.sources[source].exists = 1;
}

void reserve(uint64_t pages) { grow(pages); }

uint32_t source_count() { return g_index.nsources; }
const char* source_path(uint32_t i) { return g_index.sources[i].rel_path; }
uint32_t source_generation(uint32_t i) { return g_index.sources[i].generation; }

}  // namespace page_index
}  // namespace ckpt
