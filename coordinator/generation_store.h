// coordinator/generation_store.h: the generations of one job on disk (DESIGN.md section 5):
//   <ckptdir>/<job>/gen-NNNNNN.partial/   being written by the round in progress
//   <ckptdir>/<job>/gen-NNNNNN/           committed
//   <ckptdir>/<job>/latest -> gen-NNNNNN  switched atomically after the commit is durable
// Directories are created 0700. The commit is ordered so that a crash at any point leaves
// the previous generation complete and `latest` pointing at a complete generation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ckpt/status.h"

namespace ckpt::coord {

struct CommitFiles {
  std::string index_path;      // written by the caller into the .partial directory
  std::string restart_script;  // contents of restart.sh
};

class GenerationStore {
 public:
  GenerationStore(std::string ckpt_dir, std::string job_id);

  const std::string& job_dir() const { return job_dir_; }
  std::string partial_dir(uint64_t generation) const;
  std::string final_dir(uint64_t generation) const;

  // Highest generation number found (committed or .partial), 0 if none.
  uint64_t highest_on_disk() const;
  // mkdir -p the .partial directory of `generation` (0700, parents 0700).
  Status create_partial(uint64_t generation) const;
  // Writes restart.sh, fsyncs the files and the directory, renames .partial to final,
  // switches `latest` and fsyncs the job directory. On failure nothing committed remains.
  Status commit(uint64_t generation, const std::string& restart_script) const;
  // Removes committed generations beyond the newest `keep` (0 = keep all), never `current`,
  // and .partial directories older than `current`. Returns the names removed.
  std::vector<std::string> prune(int keep, uint64_t current) const;
  uint64_t oldest_needed(const std::vector<std::pair<uint64_t, std::string>>& gens,
                         size_t first_kept) const;
  void remove_partial(uint64_t generation) const;
  // Removes every .partial directory (left by a coordinator that ended during a round: only
  // one coordinator serves a job directory, and it calls this before its first round).
  // Returns the generation numbers removed.
  std::vector<uint64_t> discard_stale_partials() const;

 private:
  Status switch_latest(uint64_t generation) const;
  std::string ckpt_dir_;
  std::string job_dir_;
};

std::string generation_name(uint64_t generation);  // "gen-000007"
// Parses "gen-000007" or "gen-000007.partial"; 0 if the name is neither.
uint64_t parse_generation_name(const std::string& name, bool* partial);
// mkdir -p with mode 0700 for every component created.
Status make_dirs(const std::string& path);
Status fsync_path(const std::string& path);

}  // namespace ckpt::coord
