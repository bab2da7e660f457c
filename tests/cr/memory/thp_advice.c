/* tests/cr/memory/thp_advice.c: the program's own transparent-huge-page advice survives a
 * restart, and the loader's huge pages respect it. Three 8 MiB regions, filled: one with
 * MADV_HUGEPAGE, one with MADV_NOHUGEPAGE, one without advice. After the restart the
 * contents are exact, each region shows the VmFlags "hg"/"nh" it had before (compared
 * with what smaps said before the checkpoint), and the MADV_NOHUGEPAGE region has no huge
 * page (AnonHugePages 0), although the loader reads into huge pages by default. */
#include "ct.h"

#include <stdio.h>
#include <string.h>

static const uint64_t kBytes = 8ull << 20;

static uint64_t word(const uint64_t* p) { return (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull; }

static uint64_t pass(char* base, int fill) {
  uint64_t bad = 0;
  uint64_t* w = (uint64_t*)base;
  for (uint64_t i = 0; i < kBytes / 8; ++i) {
    if (fill) w[i] = word(&w[i]);
    else bad += w[i] != word(&w[i]);
  }
  return bad;
}

struct view {
  int hg, nh;
  unsigned long long huge_kib;
};

/* "hg"/"nh" in VmFlags and AnonHugePages over the smaps entries inside [base, +kBytes). */
static struct view smaps_of(char* base) {
  struct view v = {0, 0, 0};
  FILE* f = fopen("/proc/self/smaps", "r");
  CT_CHECK(f != NULL);
  char line[512];
  int inside = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    unsigned long long kib;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
      inside = lo >= (uintptr_t)base && hi <= (uintptr_t)base + kBytes;
    } else if (inside && sscanf(line, "AnonHugePages: %llu kB", &kib) == 1) {
      v.huge_kib += kib;
    } else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
      v.hg |= strstr(line, " hg") != NULL;
      v.nh |= strstr(line, " nh") != NULL;
    }
  }
  fclose(f);
  return v;
}

/* A region aligned to 2 MiB, so that huge pages could be used on all of it. */
static char* region(int advice) {
  char* p = mmap(NULL, kBytes + (2 << 20), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CT_CHECK(p != MAP_FAILED);
  p = (char*)(((uintptr_t)p + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
  if (advice >= 0) CT_CHECK(madvise(p, kBytes, advice) == 0);
  pass(p, 1);
  return p;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char* r[3] = {region(MADV_HUGEPAGE), region(MADV_NOHUGEPAGE), region(-1)};
  struct view before[3];
  for (int i = 0; i < 3; ++i) before[i] = smaps_of(r[i]);
  CT_CHECK(before[0].hg && !before[0].nh && before[1].nh && !before[1].hg);

  ct_checkpoint_point();

  static const char* const names[3] = {"MADV_HUGEPAGE", "MADV_NOHUGEPAGE", "unadvised"};
  for (int i = 0; i < 3; ++i) {
    if (pass(r[i], 0) != 0) ct_fail("%s region: contents differ", names[i]);
    struct view now = smaps_of(r[i]);
    if (now.hg != before[i].hg || (i < 2 && now.nh != before[i].nh)) {
      ct_fail("%s region: hg %d nh %d, before hg %d nh %d", names[i], now.hg, now.nh,
              before[i].hg, before[i].nh);
    }
    ct_log("%s region: hg %d nh %d AnonHugePages %llu kB", names[i], now.hg, now.nh,
           now.huge_kib);
  }
  if (smaps_of(r[1]).huge_kib != 0) ct_fail("MADV_NOHUGEPAGE region got huge pages");
  ct_pass();
}
