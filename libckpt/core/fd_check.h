// libckpt/core/fd_check.h: the check, at the drain step of a round, that every fd can be
// saved (see fd_check.cc). Checkpoint path: yes.
#pragma once

#include <stddef.h>

namespace ckpt {

// Scans the fds; returns false and a message naming the unsupported ones in `why`.
bool check_fds_supported(char* why, size_t cap);

}  // namespace ckpt
