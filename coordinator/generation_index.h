// coordinator/generation_index.h: index.h5, the table of contents of one generation
// (DESIGN.md section 5). Dataset /processes (compound, one row per process, fixed-size
// strings) and attributes on / : job_id, generation, time_ns, coordinator, ckpt_version,
// topology (one "host: summary" string per host). Readable with h5dump and h5py.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ckpt/status.h"

namespace ckpt::coord {

struct IndexRow {
  int32_t vpid = 0, parent_vpid = 0, pid = 0, mpi_rank = -1;
  std::string host, program, image;  // image: file name relative to the generation directory
  uint64_t size = 0;
  uint32_t checksum = 0, nthreads = 0;
  std::string plugins;
};

struct IndexInfo {
  std::string job_id;
  uint64_t generation = 0;
  int64_t time_ns = 0;
  std::string coordinator, version;
  std::vector<std::pair<std::string, std::string>> topology;  // host, hwloc summary
  std::vector<IndexRow> rows;
  uint64_t oldest_referenced_generation = 0;  // incremental: generations this one needs (0: none)
};

// Field sizes of the fixed strings in /processes (longer values are truncated).
inline constexpr size_t kIndexHostLen = 64;
inline constexpr size_t kIndexPathLen = 256;

Status write_generation_index(const std::string& path, const IndexInfo& info);
Result<IndexInfo> read_generation_index(const std::string& path);

}  // namespace ckpt::coord
