// launcher/host_map.h: where each process of a generation restarts (`ckpt restart --hosts`,
// `--hostfile`, `--host-map`). The generation's hosts, in order of first appearance (images
// sorted by vpid), are mapped to the given hosts in order; a --host-map maps by name and
// leaves unnamed hosts where they were. Without any of the three a generation of several
// hosts restarts each process on its old host (map_all_here for one host or a part).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ckpt/status.h"
#include "launcher/generation_finder.h"

namespace ckpt::launcher {

struct HostMapFlags {
  std::string hosts;     // --hosts h3,h4
  std::string hostfile;  // --hostfile F: one host per line ("h3 slots=2" is fine), # comments
  std::string host_map;  // --host-map h1=h3,h2=h4
  bool given() const { return !hosts.empty() || !hostfile.empty() || !host_map.empty(); }
};

struct HostMapping {
  std::vector<std::string> saved_hosts;       // order of first appearance
  std::map<std::string, std::string> target;  // saved host -> target host
  const std::string& target_of(const std::string& saved_host) const;
};

// The generation's hosts in order of first appearance (images by ascending vpid).
std::vector<std::string> saved_hosts(const Generation& gen);

// Fails (kInvalid, one clear line) on a bad flag combination, an unreadable hostfile, a
// malformed --host-map entry, or fewer target hosts than the generation has.
Result<HostMapping> map_hosts(const Generation& gen, const HostMapFlags& flags);

// Every saved host maps to this host (its name from gethostname): a single-host generation
// restarted without host flags, or the part of a generation one `ckpt restart --slurm` /
// `--only-host` restores, comes back here, wherever it was taken.
void map_all_here(HostMapping& mapping);

// "h1,h2" -> {"h1", "h2"} (empty words dropped).
std::vector<std::string> split_list(const std::string& text, char sep);

}  // namespace ckpt::launcher
