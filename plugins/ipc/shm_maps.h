// plugins/ipc/shm_maps.h: the SysV shm attachments of this process, from /proc/self/maps
// (path "/SYSV<key> (deleted)", inode column = shm id). Finds attachments inherited across
// fork or made by raw syscalls as well as those made through the wrappers.
// Checkpoint path: yes (raw read into a static buffer).
#pragma once

#include "sysv_table.h"

namespace ckpt::ipc {

// Fills state.attach / state.nattach. Returns 0, or -1 if the maps could not be read.
int read_shm_attachments(SysvState& state);

}  // namespace ckpt::ipc
