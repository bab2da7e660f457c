// libckpt/core/plugin_watchdog.h: a time limit on plugin hooks that run in the checkpoint
// thread during a round. A POSIX timer aimed at the checkpoint thread (SIGEV_THREAD_ID)
// fires kWatchdogSignal after the coordinator's barrier timeout plus a grace second, when
// the coordinator has already aborted the round; the handler names the plugin and jumps
// back to the dispatcher, which disables the plugin, so the application resumes.
// Checkpoint path: yes (raw syscalls, no allocation).
#pragma once

#include <setjmp.h>

namespace ckpt {

inline constexpr int kWatchdogSignal = 60;  // SIGRTMIN+26; libckpt suspends with 61

// Installs the handler (init, only when a plugin has a hook).
void install_watchdog_handler();
// Arms the timer for the current thread. The caller did sigsetjmp(*jb, 1) and returns there
// with value 1 if the timer fires. Returns false when no timer could be armed (the hook then
// runs without a limit).
bool watchdog_arm(sigjmp_buf* jb, unsigned timeout_ms);
void watchdog_disarm();

}  // namespace ckpt
