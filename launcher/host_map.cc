// launcher/host_map.cc: see host_map.h.
#include "launcher/host_map.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

Result<std::vector<std::string>> read_hostfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status(Code::kNotFound, msg::bad_hostfile(path, "cannot be read"));
  }
  std::vector<std::string> hosts;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string host;
    if ((words >> host) && std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      hosts.push_back(host);
    }
  }
  if (hosts.empty()) {
    return Status(Code::kInvalid, msg::bad_hostfile(path, "names no host"));
  }
  return hosts;
}

Status apply_explicit_map(const std::string& spec, HostMapping& mapping) {
  for (const std::string& pair : split_list(spec, ',')) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      return Status(Code::kInvalid, msg::bad_host_map_entry(pair));
    }
    std::string from = pair.substr(0, eq);
    if (mapping.target.count(from) == 0) {
      return Status(Code::kInvalid, msg::host_map_unknown_host(from, mapping.saved_hosts));
    }
    mapping.target[from] = pair.substr(eq + 1);
  }
  return Status::ok();
}

}  // namespace

const std::string& HostMapping::target_of(const std::string& saved_host) const {
  auto it = target.find(saved_host);
  return it != target.end() ? it->second : saved_host;
}

std::vector<std::string> split_list(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string word;
  std::istringstream in(text);
  while (std::getline(in, word, sep)) {
    if (!word.empty()) {
      out.push_back(word);
    }
  }
  return out;
}

std::vector<std::string> saved_hosts(const Generation& gen) {
  std::vector<const image::ImageInfo*> images;
  for (const image::ImageInfo& img : gen.images) {
    images.push_back(&img);
  }
  std::stable_sort(images.begin(), images.end(), [](const auto* a, const auto* b) {
    return a->header.vpid < b->header.vpid;
  });
  std::vector<std::string> hosts;
  for (const image::ImageInfo* img : images) {
    std::string host = image::fixed_string(img->header.host, sizeof img->header.host);
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      hosts.push_back(host);
    }
  }
  return hosts;
}

Result<HostMapping> map_hosts(const Generation& gen, const HostMapFlags& flags) {
  HostMapping mapping;
  mapping.saved_hosts = saved_hosts(gen);
  for (const std::string& h : mapping.saved_hosts) {
    mapping.target[h] = h;
  }
  int given = !flags.hosts.empty() + !flags.hostfile.empty() + !flags.host_map.empty();
  if (given > 1) {
    return Status(Code::kInvalid, msg::host_flags_exclusive());
  }
  if (!flags.host_map.empty()) {
    CKPT_TRY(apply_explicit_map(flags.host_map, mapping));
    return mapping;
  }
  std::vector<std::string> targets;
  if (!flags.hosts.empty()) {
    targets = split_list(flags.hosts, ',');
  } else if (!flags.hostfile.empty()) {
    CKPT_TRY_ASSIGN(targets, read_hostfile(flags.hostfile));
  } else {
    return mapping;
  }
  if (targets.size() < mapping.saved_hosts.size()) {
    return Status(Code::kInvalid, msg::too_few_hosts(mapping.saved_hosts, targets));
  }
  for (size_t i = 0; i < mapping.saved_hosts.size(); ++i) {
    mapping.target[mapping.saved_hosts[i]] = targets[i];
  }
  return mapping;
}

void map_all_here(HostMapping& mapping) {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  for (const std::string& h : mapping.saved_hosts) {
    mapping.target[h] = name;
  }
}

}  // namespace ckpt::launcher
