// launcher/restart_selection.h: restarting part of a generation. `ckpt restart --only-host H`
// restores only the processes whose image was taken on old host H; `ckpt restart --slurm`,
// run once per node of a Slurm job step (srun -N <nodes> --ntasks-per-node=1), makes node i
// of the step restore the processes of the i-th distinct old host of the generation (old
// hosts in order of first appearance, images ordered by vpid). Every part joins the same
// coordinator, whose restart barrier waits for all processes of the generation.
#pragma once

#include <string>
#include <vector>

#include "ckpt/status.h"
#include "launcher/generation_finder.h"

namespace CLI {
class App;
}

namespace ckpt::launcher {

struct PartOptions {
  std::vector<std::string> only_hosts;  // --only-host (repeatable)
  bool slurm = false;                   // --slurm
};

void add_part_options(CLI::App* app, PartOptions& opts);

// The old hosts of `gen` in order of first appearance (gen.images is sorted by vpid).
std::vector<std::string> generation_hosts(const Generation& gen);

struct PartChoice {
  bool whole = true;        // no selection given: every image
  std::string description;  // what this part restores, for the banner ("" when whole)
};

// Keeps in gen.images only what this part restores (possibly nothing: a node beyond the
// generation's host count). Fails when the selection cannot be satisfied.
Result<PartChoice> select_part(Generation& gen, const PartOptions& opts);

}  // namespace ckpt::launcher
