// launcher/fork_with_pid.h: fork() whose child gets back the pid it had at checkpoint.
#pragma once

#include <sys/types.h>

namespace ckpt::launcher {

// Like fork(), but the child gets pid `want` when it is free and the kernel lets us choose
// (clone3 with set_tid: CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN, Linux 5.5). Otherwise, or
// if want <= 0, a plain fork(): the pid plugin maps the saved pid to the new one.
// A restored thread that keeps its tid can still release the glibc locks it held at
// checkpoint (they record their owner as that tid). Call it single-threaded only: the
// child skips glibc's fork handlers and keeps the parent's cached tid until it execs.
pid_t fork_with_pid(pid_t want);

}  // namespace ckpt::launcher
