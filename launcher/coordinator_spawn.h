// launcher/coordinator_spawn.h: find the coordinator a command should talk to, or start one
// (`<self> coordinator --daemon --exit-on-last ...`) and wait until it accepts connections.
// Used by `ckpt launch` and `ckpt restart`.
#pragma once

#include <optional>
#include <string>

#include "ckpt/status.h"
#include "launcher/coord_address.h"

namespace ckpt::launcher {

struct CoordinatorNeed {
  CoordFlags flags;
  bool force_new = false;     // --new-coordinator: always start one
  bool join_only = false;     // --join-coordinator: never start one
  std::string ckpt_dir;       // for a started coordinator
  std::optional<int> interval;
  double barrier_timeout = -1;  // < 0: the coordinator's default
  int keep = -1;                // < 0: the coordinator's default
  std::string job_id;
  std::string bind;  // --bind of a started coordinator ("" = its default, 0.0.0.0)
};

struct CoordinatorFound {
  CoordAddress addr;
  bool started = false;  // true if this call started it
};

Result<CoordinatorFound> ensure_coordinator(const CoordinatorNeed& need);

}  // namespace ckpt::launcher
