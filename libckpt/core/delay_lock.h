// libckpt/core/delay_lock.h: critical sections that a checkpoint must not interrupt
// (fork, dmtcpDelayCheckpointsLock). A counter and two futex words, not a mutex the
// application could hold. Checkpoint path: the checkpoint-thread side is.
#pragma once

namespace ckpt {

void delay_lock();
void delay_unlock();
// Checkpoint thread: waits for every critical section to end and blocks new ones.
void begin_checkpoint_exclusion();
void end_checkpoint_exclusion();

}  // namespace ckpt
