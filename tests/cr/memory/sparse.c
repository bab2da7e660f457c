/* tests/cr/memory/sparse.c: a 16 GiB MAP_NORESERVE region with 64 MiB touched comes back
 * with the touched data and zeros elsewhere, and the image stays small (sparse.test sets
 * max_image_mb: untouched and zero pages must not be saved). */
#include "ct.h"

enum { kChunks = 16 };
static const uint64_t kRegion = 16ull << 30;
static const uint64_t kChunk = 4ull << 20;

static uint64_t word(uint64_t chunk, uint64_t i) {
  return (chunk << 40) ^ ((i + 1) * 0x9e3779b97f4a7c15ull);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char* base = mmap(NULL, kRegion, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CT_CHECK(base != MAP_FAILED);
  for (uint64_t c = 0; c < kChunks; ++c) {
    uint64_t* p = (uint64_t*)(base + c * (kRegion / kChunks));
    for (uint64_t i = 0; i < kChunk / 8; ++i) {
      p[i] = word(c, i);
    }
  }
  /* pages touched but left zero: must read back as zero, need not be stored */
  for (uint64_t off = kChunk; off < 2 * kChunk; off += 4096) {
    CT_CHECK(base[off] == 0);
  }

  ct_checkpoint_point();

  for (uint64_t c = 0; c < kChunks; ++c) {
    const uint64_t* p = (const uint64_t*)(base + c * (kRegion / kChunks));
    for (uint64_t i = 0; i < kChunk / 8; ++i) {
      if (p[i] != word(c, i)) {
        ct_fail("chunk %llu word %llu changed", (unsigned long long)c, (unsigned long long)i);
      }
    }
    const char* gap = base + c * (kRegion / kChunks) + kChunk;
    for (uint64_t off = 0; off < 64 * 4096; off += 4096) {
      CT_CHECK(gap[off] == 0);
    }
  }
  base[kRegion - 1] = 1; /* the whole reservation is still usable */
  CT_CHECK(base[kRegion - 1] == 1);
  ct_pass();
}
