// libckpt/core/thread_suspend.h: stopping every user thread at a safe point and letting it
// go again. The checkpoint thread sends each thread the suspend signal; the handler saves
// the thread's state and parks on a futex inside the handler, so that the signal frame on
// the thread's stack keeps its complete register and FPU state. At restart a re-created
// thread jumps back into that handler and leaves it through rt_sigreturn.
// Checkpoint path: yes.
#pragma once

#include <stdint.h>

namespace ckpt {

void install_suspend_handler();
// Blocks (or unblocks) the suspend signal in the calling thread with a raw rt_sigprocmask.
// Blocked across an exec (exec_wrappers.cc): a suspend signal sent while the thread is in
// execve stays pending into the new program, which would die of it before its libckpt
// installs the handler; the new program's ckpt_init unblocks it once the handler is in
// place (a stray one is then ignored: no round is active).
void block_suspend_signal(bool on);
// Suspends every thread but the caller; returns 0, or -ETIMEDOUT naming the thread in the log.
long suspend_user_threads(uint32_t timeout_ms);
void resume_user_threads();
// Records the checkpoint thread itself in the slot table (its context is saved separately).
int claim_ckpt_slot();
// Number of user threads parked in the table.
int parked_user_threads();
// Waits until every parked thread re-created at restart is back in its handler.
void wait_threads_restored(int expected);
// Re-queues the signals that were pending at checkpoint time (restart only).
void reraise_pending_signals();
// How often the calling thread was parked by a checkpoint, and CLOCK_MONOTONIC (of the
// checkpointed run) when it last was: a wait that failed with EINTR while the count changed
// was cut short by ckpt, not by the application (core/wait_wrappers.cc).
uint32_t thread_suspend_count();
uint64_t thread_suspended_at_ns();

}  // namespace ckpt
