// launcher/slurm_nodes.h: where this `ckpt restart --slurm` task runs inside its Slurm job
// step: its node index (SLURM_NODEID), its task index on that node (SLURM_LOCALID) and the
// step's node list (SLURM_STEP_NODELIST, else SLURM_JOB_NODELIST / SLURM_NODELIST), expanded
// with `scontrol show hostnames`.
#pragma once

#include <string>
#include <vector>

#include "ckpt/status.h"

namespace ckpt::launcher {

struct SlurmStepNodes {
  int node_id = 0;                 // SLURM_NODEID: index of this node in `nodes`
  int local_id = 0;                // SLURM_LOCALID: task index on this node
  std::string nodelist;            // the compressed list as Slurm gave it (n[2-3])
  std::vector<std::string> nodes;  // expanded, in Slurm's order
};

// Reads the step's placement from the environment srun sets. Fails with a message saying
// how to run `ckpt restart --slurm` when the variables are missing or inconsistent.
Result<SlurmStepNodes> slurm_step_nodes();

// `scontrol show hostnames LIST`: one name per line.
Result<std::vector<std::string>> expand_slurm_hostlist(const std::string& list);

}  // namespace ckpt::launcher
