// launcher/restore_runner.h: runs the restart loader once per image of a generation, as
// children of `ckpt restart`, and turns the root process's end into our exit status.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "ckpt/status.h"
#include "launcher/coord_address.h"
#include "launcher/generation_finder.h"

namespace ckpt::launcher {

struct RestoredProcess {
  pid_t pid = 0;
  std::string image;
  bool is_root = false;
};

struct RestoreCommand {
  std::string loader;  // ckpt-restore
  bool lazy = false;   // pass --lazy
};

// fork + exec `<loader> [--lazy] IMAGE` per image with CKPT_COORD_HOST/CKPT_COORD_PORT/CKPT_CKPTDIR
// set and the rest of the environment and stdio inherited. On failure the children already
// started are killed.
Result<std::vector<RestoredProcess>> spawn_restored(const Generation& gen, const RestoreCommand& cmd,
                                                    const CoordAddress& addr,
                                                    const std::string& ckpt_dir);

// Waits for every child. Returns the root's exit code; if the root was killed by a signal,
// re-raises it (falls back to returning 128 + signal). SIGTERM and SIGHUP received meanwhile
// are forwarded to the children.
int wait_restored(const std::vector<RestoredProcess>& children);

}  // namespace ckpt::launcher
