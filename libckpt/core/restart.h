// libckpt/core/restart.h: the restart entry the loader jumps to, and the checkpoint
// thread's half of a restart. Checkpoint path: yes (runs before any thread is resumed).
#pragma once

#include "restore/restore_args.h"

namespace ckpt {

// Called by the re-created checkpoint thread once it is back in its checkpoint loop:
// waits for the user threads, unmaps the loader, fixes /proc/self/exe.
void finish_restart_in_ckpt_thread();

}  // namespace ckpt
