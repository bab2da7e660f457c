/* tests/cr/memory/huge_pages.c: eager restart may fault large saved regions in as 2 MiB
 * pages (MADV_HUGEPAGE while the loader reads, when the system's THP mode is "madvise").
 * Afterwards the regions must behave as before: the contents are exact, a region with
 * 3 MiB of saved pages in every 4 MiB does not grow over its holes (huge pages only where
 * 2 MiB are saved: its Rss stays that of the saved pages), and no region keeps the "hg"
 * advice, which would make later faults in it take 2 MiB pages the program never asked
 * for. With the argument "nohuge" (`ckpt restart --no-hugepages`) no saved page may come back
 * in a huge page. */
#include "ct.h"

#include <stdio.h>
#include <string.h>

static const uint64_t kPage = 4096;
static const uint64_t kBytes = 32ull << 20;  /* a multiple of 4 MiB */

static uint64_t word(const uint64_t* p) { return (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull; }

/* Fills (fill = 1) or checks the words of the pages of [base, base + kBytes) with
 * page % 1024 < keep (of each 4 MiB, the first `keep` pages); returns the wrong words. */
static uint64_t pass(char* base, uint64_t keep, int fill) {
  uint64_t bad = 0;
  for (uint64_t page = 0; page < kBytes / kPage; ++page) {
    if (page % 1024 >= keep) continue;
    uint64_t* w = (uint64_t*)(base + page * kPage);
    for (uint64_t i = 0; i < kPage / 8; ++i) {
      if (fill) w[i] = word(&w[i]);
      else bad += w[i] != word(&w[i]);
    }
  }
  return bad;
}

/* Rss (KiB) and whether VmFlags holds "hg", summed over the smaps entries inside
 * [base, base + kBytes) (the loader may leave the range split into several). */
static void smaps_of(char* base, uint64_t* rss_kib, int* advised) {
  FILE* f = fopen("/proc/self/smaps", "r");
  CT_CHECK(f != NULL);
  char line[512];
  int inside = 0;
  *rss_kib = 0;
  *advised = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    unsigned long long kib;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {  /* a mapping, not a field */
      inside = lo >= (uintptr_t)base && hi <= (uintptr_t)base + kBytes;
    } else if (inside && sscanf(line, "Rss: %llu kB", &kib) == 1) {
      *rss_kib += kib;
    } else if (inside && strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " hg") != NULL) {
      *advised = 1;
    }
  }
  fclose(f);
}

/* AnonHugePages (KiB) over the smaps entries inside [base, base + kBytes). */
static uint64_t anon_huge_kib(char* base) {
  FILE* f = fopen("/proc/self/smaps", "r");
  CT_CHECK(f != NULL);
  char line[512];
  int inside = 0;
  uint64_t total = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    unsigned long long kib;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
      inside = lo >= (uintptr_t)base && hi <= (uintptr_t)base + kBytes;
    } else if (inside && sscanf(line, "AnonHugePages: %llu kB", &kib) == 1) {
      total += kib;
    }
  }
  fclose(f);
  return total;
}

static int thp_always(void) {
  char text[128] = "";
  FILE* f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (f != NULL) {
    if (!fgets(text, sizeof text, f)) text[0] = '\0';
    fclose(f);
  }
  return strstr(text, "[always]") != NULL;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char* dense = mmap(NULL, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char* holes = mmap(NULL, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CT_CHECK(dense != MAP_FAILED && holes != MAP_FAILED);
  pass(dense, 1024, 1);
  pass(holes, 768, 1);

  ct_checkpoint_point();

  if (pass(dense, 1024, 0) != 0 || pass(holes, 768, 0) != 0) ct_fail("contents differ");
  uint64_t rss_dense, rss_holes;
  int hg_dense, hg_holes;
  smaps_of(dense, &rss_dense, &hg_dense);
  smaps_of(holes, &rss_holes, &hg_holes);
  if (hg_dense || hg_holes) ct_fail("MADV_HUGEPAGE left (dense %d, holes %d)", hg_dense, hg_holes);
  uint64_t saved_kib = kBytes / 4 * 3 / 1024;
  if (!thp_always() && rss_holes > saved_kib + 512) {
    ct_fail("region with holes: Rss %llu KiB for %llu KiB of saved pages",
            (unsigned long long)rss_holes, (unsigned long long)saved_kib);
  }
  uint64_t huge_kib = anon_huge_kib(dense) + anon_huge_kib(holes);
  if (argc > 1 && strcmp(argv[argc - 1], "nohuge") == 0 && !thp_always() && huge_kib != 0) {
    ct_fail("restarted with --no-hugepages, but %llu KiB are in huge pages",
            (unsigned long long)huge_kib);
  }
  ct_log("Rss dense %llu KiB, with holes %llu KiB, AnonHugePages %llu KiB",
         (unsigned long long)rss_dense, (unsigned long long)rss_holes,
         (unsigned long long)huge_kib);
  ct_pass();
}
