// libckpt/core/thp_advice.h: the application's own transparent-huge-page advice
// (MADV_HUGEPAGE / MADV_NOHUGEPAGE, "hg"/"nh" in /proc/self/smaps VmFlags), kept in the
// image as kRegionHugepage / kRegionNoHugepage so that the restart loader sets it again and
// never gives huge pages to a region marked MADV_NOHUGEPAGE (restore/loader_thp.cc).
// /proc/self/smaps walks the page tables (about 60 ms per GiB here), so it is read only
// once the application has called madvise() with one of the two (wrapper below; the flag
// lives in libckpt's memory, so it survives restarts). Advice given by raw syscalls or by
// glibc internally (malloc's hugetlb tunable) is not seen.
#pragma once

#include <stddef.h>

#include "image/image_format.h"

namespace ckpt {

bool thp_advice_seen();
// Checkpoint path: sets the two flags on regions[0..n) from /proc/self/smaps, read through
// buf (cap bytes, overwritten). Regions are matched by start address.
void mark_thp_flags(image::RegionEntry* regions, size_t n, char* buf, size_t cap);

}  // namespace ckpt
