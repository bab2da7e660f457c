// plugins/ipc/timer_thread.h: SIGEV_THREAD timers, run by the plugin instead of glibc.
// glibc's own helper thread blocks every signal, so a checkpoint could never suspend it.
// Here the kernel timer is a SIGEV_THREAD_ID timer aimed at one dispatcher thread of the
// plugin (an ordinary thread, suspended and restored like the application's), with signal
// 32, glibc's SIGTIMER, which applications cannot use (their SIGRTMIN is 34). The
// dispatcher blocks that signal, waits for it, and runs each expiry's function in a new
// detached thread with the timer's sigval, as glibc does. After a restart its thread id is
// new: the dispatcher re-creates these timers itself (timers_restart_dispatched), and the
// timer wrappers wait for that (thread_timers_wait_ready).
// Checkpoint path: thread_timers_restart_pending(), thread_timers_take_pending() and
// thread_timer_expired_parked() (raw system calls and static memory only).
#pragma once

#include <signal.h>
#include <stdint.h>

namespace ckpt::ipc {

constexpr int kTimerThreadSignal = 32;

// For an application's SIGEV_THREAD request: starts the dispatcher if needed and fills the
// kernel request `out`. Returns the slot to bind, or -1 with errno set.
int thread_timer_prepare(const struct sigevent* app, struct sigevent* out);
// Makes `slot` live under virtual id `virt` (after the kernel timer exists), or frees it
// (virt < 0: the kernel refused the timer).
void thread_timer_bind(int slot, int64_t virt);
void thread_timer_release(int64_t virt);
// The dispatcher's thread id (the kernel's), for re-created timers.
int thread_timer_target();
// RESTART (checkpoint thread): the dispatcher re-creates its timers when it runs again.
void thread_timers_restart_pending();
// PRE_SUSPEND_USER_THREAD (in each thread, inside the suspend handler): in the dispatcher,
// takes its pending timer signals so that their expiries run after the checkpoint.
void thread_timers_take_pending();
// SUSPENDED (checkpoint thread): timer `virt` is a disarmed one-shot. If it was armed when the
// dispatcher was parked, it expired since: its signal waits on the parked dispatcher and
// would come back after a restart without its sigval (libckpt re-raises pending signals
// with tgkill), so the expiry is run after a restart instead. Without a restart the queued
// signal itself is delivered as usual.
void thread_timer_expired_parked(int64_t virt);
// Application threads: waits while the dispatcher re-creates the timers after a restart.
void thread_timers_wait_ready();

}  // namespace ckpt::ipc
