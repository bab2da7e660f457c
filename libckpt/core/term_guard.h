// libckpt/core/term_guard.h: checkpoint on SIGTERM (CKPT_CHECKPOINT_ON_TERM=1, set by the
// Slurm templates). Slurm announces pre-emption and the end of the grace period with
// SIGTERM to every task; instead of dying at once, the process asks the coordinator for a
// checkpoint and the SIGTERM reaches the application, with its own disposition, only once
// that generation is committed (or the checkpoint failed, or the barrier timeout passed).
// The handler only writes to a self-pipe; the checkpoint thread does the rest.
// CKPT_CHECKPOINT_ON_TERM=stop (the Slurm template's default): the checkpoint asked for ends
// the computation once committed (like `ckpt checkpoint --kill`), and a process whose SIGTERM
// a committed generation covers ends before its threads run again: the application never
// sees the signal, so its clean-up (mpirun removes its session directory, which the
// restored mpirun and ranks still map) cannot undo what the restart needs. Only when no
// generation commits in time does the application get the SIGTERM, as with =1.
// Not checkpoint-path, except deliver_if_due() which runs after a round.
#pragma once

#include <signal.h>
#include <stdint.h>

namespace ckpt::term_guard {

void install();               // from the constructor
bool enabled();
int wake_fd();                // the checkpoint thread polls it next to the coordinator socket
// Checkpoint thread: a SIGTERM arrived; returns the deadline (monotonic ns) by which the
// signal is delivered even if no checkpoint commits.
void on_wake();
// Checkpoint thread, after each round and on poll timeouts: delivers a held SIGTERM once a
// generation committed after it arrived, or once its deadline passed.
void deliver_if_due();
int poll_timeout_ms();        // -1 when nothing is held
void note_commit();           // a generation committed (called when kCommitted arrives)
// Checkpoint thread, just before the application threads run again: a SIGTERM that is
// pending now arrived while the process was stopped for a round that has committed, so
// that generation already covers it and it is delivered without another checkpoint.
void before_resume();
// Checkpoint thread, at restart: a SIGTERM held (or arriving) while the image was taken
// belongs to the run that was stopped, like the pending signals reraise_pending_signals()
// drops; the restored run must not receive it. Restart path: stores only.
void forget_held();
// sigaction(SIGTERM) from the application while the guard holds the signal.
bool virtualized(int sig);
struct sigaction* app_action();

}  // namespace ckpt::term_guard
