// launcher/restart_watch.h: the start of a restart across hosts. Until every restored
// process has joined the coordinator's restart round, `ckpt restart` watches its children
// (local loaders and launcher agents) and the coordinator (status command): a child that
// ends with an error, or a process that has not joined when the barrier timeout (plus a
// margin) has passed, fails the restart with one line per host that failed. The caller then
// abandons the restart: the coordinator is told to kill the computation, the children are
// killed and reaped, so nothing is left running and nothing hangs.
#pragma once

#include <vector>

#include "ckpt/status.h"
#include "launcher/coord_address.h"
#include "launcher/restore_runner.h"

namespace ckpt::launcher {

struct WatchConfig {
  CoordAddress coord;      // as this host reaches it
  double timeout_s = -1;   // < 0: the coordinator's barrier timeout (status) + a margin
  std::string agent;       // for messages
};

Status watch_restart(std::vector<RestoredProcess>& procs, const WatchConfig& config);

// Kills the computation through the coordinator (best effort; then tells it to quit if this
// restart started it), then kills and reaps every child not reaped.
void abandon_restart(std::vector<RestoredProcess>& procs, const CoordAddress& coord,
                     bool quit_coordinator);

}  // namespace ckpt::launcher
