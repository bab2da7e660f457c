// launcher/restart_selection.cc: see restart_selection.h.
#include "launcher/restart_selection.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "launcher/messages.h"
#include "launcher/slurm_nodes.h"

namespace ckpt::launcher {

namespace {

std::string image_host(const image::ImageInfo& img) {
  return image::fixed_string(img.header.host, sizeof img.header.host);
}

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& w : words) {
    text += (text.empty() ? "" : ", ") + w;
  }
  return text;
}

void keep_hosts(Generation& gen, const std::vector<std::string>& hosts) {
  std::erase_if(gen.images, [&](const image::ImageInfo& img) {
    return std::find(hosts.begin(), hosts.end(), image_host(img)) == hosts.end();
  });
}

Result<PartChoice> select_only_hosts(Generation& gen, const std::vector<std::string>& wanted) {
  std::vector<std::string> hosts = generation_hosts(gen);
  for (const std::string& h : wanted) {
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) {
      return Status(Code::kInvalid, msg::unknown_old_host(h, gen.number, join(hosts)));
    }
  }
  keep_hosts(gen, wanted);
  return PartChoice{false, msg::part_of_hosts(gen.images.size(), join(wanted))};
}

Result<PartChoice> select_slurm_node(Generation& gen) {
  CKPT_TRY_ASSIGN(SlurmStepNodes step, slurm_step_nodes());
  const std::string& node = step.nodes[static_cast<size_t>(step.node_id)];
  if (step.local_id != 0) {
    return Status(Code::kInvalid, msg::slurm_second_task(step.local_id, node));
  }
  std::vector<std::string> hosts = generation_hosts(gen);
  if (step.nodes.size() < hosts.size()) {
    return Status(Code::kInvalid,
                  msg::slurm_too_few_nodes(step.nodes.size(), step.nodelist, gen.number,
                                           hosts.size(), join(hosts)));
  }
  size_t index = static_cast<size_t>(step.node_id);
  if (index >= hosts.size()) {
    gen.images.clear();
    return PartChoice{false, msg::slurm_node_idle(node, step.node_id, hosts.size())};
  }
  keep_hosts(gen, {hosts[index]});
  return PartChoice{false, msg::slurm_node_part(node, step.node_id, step.nodes.size(),
                                                gen.images.size(), hosts[index])};
}

}  // namespace

void add_part_options(CLI::App* app, PartOptions& opts) {
  CLI::Option* only = app->add_option(
      "--only-host", opts.only_hosts,
      "restart only the processes that ran on this old host (repeatable); run one such "
      "`ckpt restart` per old host, all joining one coordinator (--coord-host/--port-file)");
  CLI::Option* slurm = app->add_flag(
      "--slurm", opts.slurm,
      "inside `srun -N <nodes> --ntasks-per-node=1`: node i of the job step (SLURM_NODEID; "
      "node list from `scontrol show hostnames`) restarts the processes of the i-th distinct "
      "old host of the generation; nodes beyond the generation's hosts exit 0 at once");
  only->excludes(slurm);
  slurm->excludes(only);
}

std::vector<std::string> generation_hosts(const Generation& gen) {
  std::vector<std::string> hosts;
  for (const image::ImageInfo& img : gen.images) {
    std::string h = image_host(img);
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) {
      hosts.push_back(h);
    }
  }
  return hosts;
}

Result<PartChoice> select_part(Generation& gen, const PartOptions& opts) {
  if (opts.slurm) {
    return select_slurm_node(gen);
  }
  if (!opts.only_hosts.empty()) {
    return select_only_hosts(gen, opts.only_hosts);
  }
  return PartChoice{};
}

}  // namespace ckpt::launcher
