/* tests/cr/memory/large_regions.c: large regions come back exactly. Eager restart reads a
 * region in pieces of 4 MiB with several threads, gathering short runs into one read:
 * a 40 MiB region (one run, ten pieces), a 24 MiB region with every third page saved (one
 * page per run, many runs per piece) and one with 5 MiB runs between holes (runs split
 * across pieces). Every word depends on its address, so a page put in the wrong place,
 * or a piece read twice or not at all, is found. */
#include "ct.h"

static const uint64_t kMiB = 1ull << 20;
static const uint64_t kPage = 4096;

static uint64_t word(const uint64_t* p) {
  uint64_t x = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
  return x ^ (x >> 29);
}

static char* region(uint64_t bytes) {
  char* p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CT_CHECK(p != MAP_FAILED);
  return p;
}

/* Fills (or checks, returning the number of wrong words) the pages of [base, base+bytes)
 * that `keep` selects; the others must stay zero. */
static uint64_t pass(char* base, uint64_t bytes, int (*keep)(uint64_t page), int fill) {
  uint64_t bad = 0;
  for (uint64_t off = 0; off < bytes; off += kPage) {
    uint64_t* w = (uint64_t*)(base + off);
    int kept = keep(off / kPage);
    for (uint64_t i = 0; i < kPage / 8; ++i) {
      if (fill && kept) {
        w[i] = word(&w[i]);
      } else if (!fill) {
        bad += w[i] != (kept ? word(&w[i]) : 0);
      }
    }
  }
  return bad;
}

static int all(uint64_t page) { (void)page; return 1; }
static int every_third(uint64_t page) { return page % 3 == 0; }
static int five_mib_runs(uint64_t page) { return page % (6 * 256) < 5 * 256; }

int main(int argc, char** argv) {
  ct_init(argc, argv);
  struct {
    uint64_t bytes;
    int (*keep)(uint64_t);
    char* base;
  } r[] = {{40 * kMiB, all, 0}, {24 * kMiB, every_third, 0}, {30 * kMiB, five_mib_runs, 0}};
  for (int i = 0; i < 3; ++i) {
    r[i].base = region(r[i].bytes);
    pass(r[i].base, r[i].bytes, r[i].keep, 1);
  }

  ct_checkpoint_point();

  for (int i = 0; i < 3; ++i) {
    uint64_t bad = pass(r[i].base, r[i].bytes, r[i].keep, 0);
    if (bad != 0) {
      ct_fail("region %d: %llu words differ", i, (unsigned long long)bad);
    }
  }
  ct_pass();
}
