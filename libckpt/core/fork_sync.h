// libckpt/core/fork_sync.h: fork() returns in the parent only once the child is a member
// of the computation (welcomed by the coordinator) or has given up, with checkpoints
// delayed meanwhile (atfork handlers run inside the delay lock). Otherwise a round starting
// right after fork would capture the parent with a child the generation does not hold, and
// after a restart the parent would wait for a child that never comes back. The coordinator
// adds a process that joins a round before its first barrier to that round
// (coordinator/checkpoint_round.cc). posix_spawn() and exec'd programs are not covered:
// glibc runs no atfork handlers there. Not checkpoint-path code (runs in fork()).
#pragma once

namespace ckpt::fork_sync {

void prepare();           // parent, before fork: a pipe for the child's word
void parent();            // parent, after fork: waits (bounded) for the child's word
void child();             // child, after fork: keeps the pipe's write end
void child_registered();  // child's checkpoint thread: welcomed, or gave up

}  // namespace ckpt::fork_sync
