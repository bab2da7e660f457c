// libckpt/core/fork_sync.cc: see fork_sync.h.
#include "core/fork_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "core/fd_claims.h"
#include "core/runtime.h"
#include "sys/syscall.h"

namespace ckpt::fork_sync {

namespace {

constexpr int kWaitMs = 10000;  // a child that never registers must not hang fork()
int g_pipe[2] = {-1, -1};       // between prepare and parent/child
int g_child_end = -1;           // in the child, until its checkpoint thread registered

void drop(int& fd) {
  if (fd >= 0) {
    unmark_internal_fd(fd);
    close(fd);
    fd = -1;
  }
}

}  // namespace

void prepare() {
  g_pipe[0] = g_pipe[1] = -1;
  if (rt().vpid <= 0 || pipe2(g_pipe, O_CLOEXEC) != 0) {  // not a member: nothing to wait for
    g_pipe[0] = g_pipe[1] = -1;
    return;
  }
  mark_internal_fd(g_pipe[0]);  // libckpt's own: never saved
  mark_internal_fd(g_pipe[1]);
}

void parent() {
  drop(g_pipe[1]);
  if (g_pipe[0] < 0) return;
  struct pollfd p = {g_pipe[0], POLLIN, 0};
  int left = kWaitMs;
  while (left > 0) {
    int n = poll(&p, 1, 100);
    if (n > 0) break;  // the child's byte, or EOF (it exec'd or exited)
    if (n < 0 && errno != EINTR) break;
    left -= 100;
  }
  drop(g_pipe[0]);
}

void child() {
  drop(g_pipe[0]);
  g_child_end = g_pipe[1];
  g_pipe[1] = -1;
}

void child_registered() {
  int fd = g_child_end;
  if (fd < 0) return;
  g_child_end = -1;
  char one = 1;
  sys::write_all(fd, &one, 1);
  unmark_internal_fd(fd);
  sys::close(fd);
}

}  // namespace ckpt::fork_sync
