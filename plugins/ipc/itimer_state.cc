// plugins/ipc/itimer_state.cc: see itimer_state.h. Checkpoint path: yes.
#include "itimer_state.h"

#include <errno.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "ipc_log.h"
#include "ipc_messages.h"

namespace ckpt::ipc {

namespace {

constexpr int kWhich[] = {ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF};
struct itimerval g_saved[3];  // process memory: the image carries it

bool armed(const struct itimerval& v) {
  return v.it_value.tv_sec != 0 || v.it_value.tv_usec != 0;
}

}  // namespace

void itimers_checkpoint() {
  for (int k = 0; k < 3; ++k) {
    if (syscall(SYS_getitimer, kWhich[k], &g_saved[k]) != 0) {
      g_saved[k] = itimerval{};
    }
  }
}

void itimers_restart() {
  for (int k = 0; k < 3; ++k) {
    if (!armed(g_saved[k])) {
      continue;
    }
    if (syscall(SYS_setitimer, kWhich[k], &g_saved[k], nullptr) != 0) {
      Line(Level::kWarn).s(msg::kItimerRearmFailed).i(kWhich[k]).s(": errno ").i(errno).emit();
      continue;
    }
    Line(Level::kDebug).s("itimer ").i(kWhich[k]).s(" re-armed: ").i(g_saved[k].it_value.tv_sec)
        .s(" s ").i(g_saved[k].it_value.tv_usec).s(" us").emit();
  }
}

}  // namespace ckpt::ipc
