// launcher/restore_runner.h: runs the restart loader once per image of a generation, in the
// process tree the generation had (restore_tree.h: the restored parent forks its children),
// and turns the root process's end into our exit status.
#pragma once

#include <sys/types.h>

#include <cstdint>
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
  int32_t vpid = 0;
  std::string host;     // where it runs: "" = this host (restored locally)
  bool reaped = false;  // already waited for (restart_watch.cc), exit status in `status`
  int status = 0;
  bool direct = true;  // a child of `ckpt restart` (else of its restored parent)
};

struct RestoreCommand {
  std::string loader;  // ckpt-restore
  bool lazy = false;   // pass --lazy
};

// Forks the generation's process tree (restore_tree.h) and execs `<loader> [--lazy] IMAGE` in
// each process with CKPT_COORD_HOST/CKPT_COORD_PORT/CKPT_CKPTDIR set and the rest of the
// environment and stdio inherited. Returns every restored process (zombies excluded). On
// failure the processes already started are killed.
Result<std::vector<RestoredProcess>> spawn_restored(const Generation& gen, const RestoreCommand& cmd,
                                                    const CoordAddress& addr,
                                                    const std::string& ckpt_dir);

// fork + exec of the loader for one image (as spawn_restored does for each).
Result<pid_t> spawn_loader(const RestoreCommand& cmd, const std::string& image,
                           const CoordAddress& addr, const std::string& ckpt_dir);

// Exit code of a wait status, the way a shell reports it (128 + signal when killed).
int exit_code_of(int status);

// Waits for every direct child of ours (those not already reaped; a restored process whose
// parent is another restored process is its parent's to wait for). A child on another host that fails
// (non-zero exit or killed) is reported on stderr with its host. Returns the root's exit code; if the root was killed by a signal,
// re-raises it (falls back to returning 128 + signal). SIGTERM and SIGHUP received meanwhile
// are forwarded to the children.
int wait_restored(std::vector<RestoredProcess>& children);

}  // namespace ckpt::launcher
