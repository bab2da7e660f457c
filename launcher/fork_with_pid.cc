// launcher/fork_with_pid.cc: see fork_with_pid.h.
#include "launcher/fork_with_pid.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace ckpt::launcher {

pid_t fork_with_pid(pid_t want) {
  if (want > 0) {
    struct clone_args args = {};
    args.exit_signal = SIGCHLD;
    args.set_tid = reinterpret_cast<uint64_t>(&want);
    args.set_tid_size = 1;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0) {
      return static_cast<pid_t>(pid);
    }
  }
  return fork();  // taken (EEXIST), not allowed (EPERM), or no clone3 (ENOSYS)
}

}  // namespace ckpt::launcher
