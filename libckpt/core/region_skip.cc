// libckpt/core/region_skip.cc: ckpt_region_skip_pages() of ckpt/plugin.h and the writer's
// query. Entries carry the round's generation, so a new round starts with none.
// Checkpoint path: yes (static table, no allocation).
#include "core/region_skip.h"

#include <errno.h>

#include "ckpt/plugin.h"
#include "core/plugin_internal.h"
#include "core/runtime.h"

namespace ckpt {

namespace {

constexpr int kMaxSkips = 256;

struct Skip {
  uint64_t start, end, generation;
};

Skip g_skips[kMaxSkips];
int g_nskips;

}  // namespace

bool region_pages_skipped(uint64_t start, uint64_t end) {
  uint64_t gen = rt().round.generation;
  for (int i = 0; i < g_nskips; ++i) {
    const Skip& s = g_skips[i];
    if (s.generation == gen && start >= s.start && end <= s.end) return true;
  }
  return false;
}

}  // namespace ckpt

extern "C" CKPT_EXPORT int ckpt_region_skip_pages(uint64_t start, uint64_t end) {
  using ckpt::g_nskips;
  using ckpt::g_skips;
  if (!ckpt::in_ckpt_thread()) return -EPERM;
  if (start >= end || (start & 4095) != 0) return -EINVAL;
  uint64_t gen = ckpt::rt().round.generation;
  int n = 0;
  for (int i = 0; i < g_nskips; ++i) {  // drop the entries of earlier rounds
    if (g_skips[i].generation == gen) g_skips[n++] = g_skips[i];
  }
  g_nskips = n;
  if (g_nskips >= ckpt::kMaxSkips) return -ENOSPC;
  g_skips[g_nskips++] = ckpt::Skip{start, end, gen};
  return 0;
}
