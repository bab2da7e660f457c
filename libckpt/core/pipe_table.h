// libckpt/core/pipe_table.h: pipes whose both ends belong to this process (threads talking
// through a pipe). Their buffered bytes are drained into memory at checkpoint, put back
// after it, and at restart the pipe is re-created at the same fd numbers and refilled.
// Pipes shared with other processes are shared_fds.h's. Checkpoint path: yes.
#pragma once

#include "core/runtime.h"

namespace ckpt {

bool is_internal_pipe(const FdRecord& rec);
void drain_internal_pipes();
void refill_internal_pipes();      // after a checkpoint, into the still-open pipes
void restore_internal_pipe(const FdRecord& rec);  // at restart (first record of a pipe)

}  // namespace ckpt
