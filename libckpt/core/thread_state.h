// libckpt/core/thread_state.h: per-thread kernel and glibc state that a re-created thread
// does not inherit: robust futex list, rseq registration, sigaltstack, name, and glibc's
// cached tid (its offset in the thread block is found at run time, never assumed).
// Checkpoint path: yes.
#pragma once

#include "core/runtime.h"

namespace ckpt {

// Run in the thread itself (from the suspend handler or the checkpoint thread).
void capture_thread_state(ThreadSlot& slot);
// Run in the re-created thread before it jumps back into its saved context.
void restore_thread_state(ThreadSlot& slot);

// Offsets (from fs_base) holding this thread's tid; called at init in two threads and
// intersected so that a coincidental match cannot be taken for glibc's field.
void tid_offset_candidates(uint64_t* bitmap /*[16]*/);
int pick_tid_offset(const uint64_t* a, const uint64_t* b);

uint64_t current_fs_base();

}  // namespace ckpt
