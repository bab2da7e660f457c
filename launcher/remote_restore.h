// launcher/remote_restore.h: restoring a process on another host. `ckpt restart` runs the
// launcher agent (--rsh-agent, CKPT_RSH_AGENT, default ssh) as
//   AGENT [AGENT-ARGS] HOST "exec env CKPT_COORD_HOST=.. CKPT_COORD_PORT=.. CKPT_CKPTDIR=..
//                             [CKPT_LOG=..] [CKPT_RESTORE_FILES=1] <loader> [--lazy] <image>"
// like ssh: one command string for the remote shell, every word quoted. The loader and the
// images are taken at the same paths there (a shared file system, as for the checkpoint
// directory of a multi-node job). The agent is a child of `ckpt restart`, so its exit status
// is the remote process's (ssh and netns-rsh pass it through).
// Several processes saved on one host are restored there as one part, so that they keep
// their parents (an mpirun's orted and its ranks, a shell and its children): the agent
// runs `exec env ... <ckpt> restart --join-coordinator --coord-host H --coord-port P
// --only-host SAVED [--lazy] <generation dir>` there (the process tree of restore_tree.h).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "ckpt/status.h"
#include "launcher/coord_address.h"

namespace ckpt::launcher {

struct RemoteLaunch {
  std::string agent;     // "ssh", "netns-rsh", "ssh -o BatchMode=yes" (split on blanks)
  std::string host;      // target host as the agent takes it
  std::string loader;    // ckpt-restore
  bool lazy = false;
  std::string image;
  CoordAddress coord;    // as the remote host reaches it
  std::string ckpt_dir;
  std::string part_of;   // non-empty: restore every image saved on this host, as a tree,
                         // through `<ckpt> restart --only-host part_of <image>` (image = gen dir)
  std::string ckpt;      // the ckpt binary, for part_of
};

// --rsh-agent, else CKPT_RSH_AGENT, else "ssh".
std::string resolve_rsh_agent(const std::string& flag);

// The command string the remote shell runs.
std::string remote_command(const RemoteLaunch& launch);

// Quotes `word` for a POSIX shell ('...' with embedded quotes escaped).
std::string shell_quote(const std::string& word);

// fork + exec of the agent; returns its pid. The child exits 127 if the agent cannot be run.
Result<pid_t> spawn_remote(const RemoteLaunch& launch);

}  // namespace ckpt::launcher

#include "launcher/generation_finder.h"
#include "launcher/host_map.h"
#include "launcher/restore_runner.h"

namespace ckpt::launcher {

struct HostRestart {
  const HostMapping* mapping = nullptr;
  RestoreCommand cmd;
  CoordAddress local_coord;   // given to processes restored on this host
  CoordAddress remote_coord;  // given to processes on other hosts
  std::string ckpt_dir;
  std::string agent;
};

// True if `host` is this host (then its processes are restored locally, without the agent).
bool is_this_host(const std::string& host);

// Every image on its mapped host: the images that stay here as one process tree (as
// spawn_restored), those of each saved host that moves elsewhere through one agent running
// `ckpt restart --only-host` there (their tree too). Each remote image gets an entry with
// the agent's pid (direct for the first). On failure the children already started are
// killed and reaped.
Result<std::vector<RestoredProcess>> spawn_on_hosts(const Generation& gen, const HostRestart& how);

}  // namespace ckpt::launcher
