// libckpt/core/fd_share.h: host-local fd passing between the processes of a round
// (ckpt_fd_offer/want/exchange/received of include/ckpt/plugin.h), and the round tag that
// makes coordinator key names unique per collective step.
//
// Exchange: each process with wants listens on an abstract Unix socket named from the job,
// host, tag and its vpid, and publishes each wanted key in the coordinator's KV store
// (per-key counter with ADD, one entry per wanter); global barrier; each offerer reads the
// wanters of its keys, connects to each and sends the keys with their fds (SCM_RIGHTS, in
// batches, so the listen backlog holds them without an accept); global barrier; each
// wanter accepts and receives. Checkpoint path: yes (static tables, raw syscalls).
#pragma once

#include <stdint.h>

namespace ckpt {

// A value shared by every process of the round for the step named `what`: each process
// calls it once from the same step (the coordinator's count of rounds, "ckpt.rounds",
// and this process's count of calls for `what` in the round: a later call from a later
// step gets the next value).
// Returns >= 0, or -errno.
int64_t round_tag(const char* what);

// Moves fd above every number in [0, above) that a restore may target; returns the new fd
// (close-on-exec) and closes the old one, or returns fd unchanged on failure.
int move_fd_above(int fd, int above);

}  // namespace ckpt
