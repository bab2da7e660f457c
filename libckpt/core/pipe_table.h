// libckpt/core/pipe_table.h: pipes whose both ends belong to this process (threads talking
// through a pipe), and "peerless" pipe ends: a read end whose write end is closed
// everywhere (reads drain the bytes left, then EOF; make 4.3 keeps one), or a write end
// whose read end is (writes fail with EPIPE). Their buffered bytes are drained into memory
// at checkpoint, put back after it, and at restart the pipe is re-created at the same fd
// numbers and refilled, and the ends that were closed are closed again.
// Pipes shared with other processes are shared_fds.h's. Checkpoint path: yes.
#pragma once

#include "core/runtime.h"

namespace ckpt {

// Is fd (a pipe end opened with `accmode`) one whose other end is open nowhere (poll:
// POLLHUP on a read end, POLLERR on a write end)?
bool pipe_end_peerless(int fd, int accmode);
bool is_internal_pipe(const FdRecord& rec);
void drain_internal_pipes();
void refill_internal_pipes();      // after a checkpoint, into the still-open pipes
void restore_internal_pipe(const FdRecord& rec);  // at restart (first record of a pipe)

}  // namespace ckpt
