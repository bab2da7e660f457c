// launcher/hwloc_summary.h: a one-line description of this host's topology, given to every
// process as CKPT_HWLOC_SUMMARY (recorded in index.h5 so a restart can compare allocations).
#pragma once

#include <string>

namespace ckpt::launcher {

// "1 package, 1 NUMA node, 2 cores, 2 PUs, 23.5 GiB"; "" if hwloc fails.
std::string hwloc_summary();

// Sets CKPT_HWLOC_SUMMARY in our environment (once per run; an inherited value may come
// from another host); children (the program, a coordinator we start) inherit it.
void export_hwloc_summary();

}  // namespace ckpt::launcher
