// libckpt/core/region_skip.h: mappings whose pages a plugin asked the image writer not to
// save in this round (ckpt_region_skip_pages in ckpt/plugin.h).
#pragma once

#include <stdint.h>

namespace ckpt {

// True if [start, end) lies inside a range skipped for the current round.
bool region_pages_skipped(uint64_t start, uint64_t end);

}  // namespace ckpt
