// plugins/ipc/itimer_state.h: setitimer/alarm timers (ITIMER_REAL, ITIMER_VIRTUAL,
// ITIMER_PROF). They belong to the process, so no wrapper is needed: getitimer at
// checkpoint, setitimer at restart. Checkpoint path: yes (raw calls, static memory).
#pragma once

namespace ckpt::ipc {

void itimers_checkpoint();
void itimers_restart();

}  // namespace ckpt::ipc
