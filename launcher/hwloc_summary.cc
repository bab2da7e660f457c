// launcher/hwloc_summary.cc: see hwloc_summary.h.
#include "launcher/hwloc_summary.h"

#include <hwloc.h>

#include <cstdio>
#include <cstdlib>

namespace ckpt::launcher {

namespace {

std::string count_of(hwloc_topology_t topo, hwloc_obj_type_t type, const char* noun) {
  int n = hwloc_get_nbobjs_by_type(topo, type);
  if (n < 0) {
    n = 0;
  }
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace

std::string hwloc_summary() {
  hwloc_topology_t topo = nullptr;
  if (hwloc_topology_init(&topo) != 0) {
    return "";
  }
  if (hwloc_topology_load(topo) != 0) {
    hwloc_topology_destroy(topo);
    return "";
  }
  std::string s = count_of(topo, HWLOC_OBJ_PACKAGE, "package") + ", " +
                  count_of(topo, HWLOC_OBJ_NUMANODE, "NUMA node") + ", " +
                  count_of(topo, HWLOC_OBJ_CORE, "core") + ", " +
                  count_of(topo, HWLOC_OBJ_PU, "PU");
  hwloc_obj_t root = hwloc_get_root_obj(topo);
  if (root != nullptr && root->total_memory > 0) {
    char mem[32];
    std::snprintf(mem, sizeof mem, ", %.1f GiB",
                  static_cast<double>(root->total_memory) / (1024.0 * 1024.0 * 1024.0));
    s += mem;
  }
  hwloc_topology_destroy(topo);
  return s;
}

void export_hwloc_summary() {
  static bool done = false;  // an inherited value may describe another host: recompute once
  if (!done) {
    setenv("CKPT_HWLOC_SUMMARY", hwloc_summary().c_str(), 1);
    done = true;
  }
}

}  // namespace ckpt::launcher
