// libckpt/core/process_state.h: process-wide kernel state that a new process does not
// inherit from the image: signal dispositions, rlimits, umask, personality, cwd, and the
// mm fields (brk, arg/env area, auxv) set with PR_SET_MM_MAP.
// Checkpoint path: yes (raw syscalls, writes into rt().proc only).
#pragma once

namespace ckpt {

void capture_process_state();
void restore_process_state();

}  // namespace ckpt
