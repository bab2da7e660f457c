// launcher/saved_pids.h: before `ckpt restart` forks the process tree, the pids its processes
// and threads had at checkpoint (and the pgids of groups re-created without their leader) are
// checked, so that as many as possible are free when they are asked for (fork_with_pid.h,
// libckpt's clone_with_saved_tid). A number still held by a process that is going away (a
// zombie, or one that is exiting: the usual `ckpt checkpoint --kill` then `ckpt restart`,
// where the old processes' parent, often pid 1, has not reaped them yet) is waited for,
// briefly and with one deadline for all; one held by a live process is given up at once. The
// processes and threads whose number is given up get another one, which the pid plugin maps.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "launcher/restore_tree.h"

namespace ckpt::launcher {

// Who holds a pid number now.
enum class PidHolder { kFree, kGoing, kLive };

// /proc/<n>/stat (also a thread's tid): nothing (free), state Z or X, PF_EXITING or a pending
// SIGKILL (going), anything else (live). A number is also held while a process has it as its
// process group or session id (wait_for_saved_pids looks at those too).
PidHolder pid_holder(int32_t n);

// Every number the restart will ask the kernel for: each node's pid, each thread's tid, the
// saved pgid of each group re-created without its leader. Sorted, without duplicates.
std::vector<int32_t> saved_ids(const ProcessTree& tree);

struct SavedPidCheck {
  bool can_choose = true;      // root or CAP_CHECKPOINT_RESTORE: clone3 may pick the pid
  std::vector<int32_t> live;   // held by a live process: given up at once
  std::vector<int32_t> stuck;  // still held by a zombie or exiting process at the deadline
  int waited_ms = 0;
};

// Waits (polling, at most max_ms in all) until no number of `ids` is held by a process that is
// going away. Does not wait when the pids cannot be chosen anyway.
SavedPidCheck wait_for_saved_pids(const std::vector<int32_t>& ids, int max_ms);

// One info line (without "ckpt restart: ") naming the numbers given up and why; empty when
// none was, or when CKPT_LOG asks for less than info.
std::string saved_pid_report(const SavedPidCheck& check);

}  // namespace ckpt::launcher
