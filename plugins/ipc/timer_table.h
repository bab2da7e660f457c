// plugins/ipc/timer_table.h: POSIX timers (timer_create ...) with virtual timer ids. The
// application keeps the timer_t values it got; at restart each timer is re-created with the
// same clock and notification (signal number and value) and re-armed with the time that
// remained at checkpoint and its interval.
// Checkpoint path: timers_checkpoint() and timers_restart() run in the checkpoint thread
// (no allocation); the others run in application threads (wrappers).
#pragma once

#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "ckpt/plugin.h"

namespace ckpt::ipc {

ckpt_id_table_t* timer_ids();

// After a successful timer_create: `sev` is what the kernel got (NULL: SIGALRM with the timer
// id as value); `dispatched`: a SIGEV_THREAD timer run by timer_thread.h. Returns the virtual
// id to give the application.
int64_t timer_created(int64_t real, clockid_t clock, const struct sigevent* sev, bool dispatched);
void timer_deleted(int64_t virt);

// SUSPENDED: records every timer's remaining time and interval. Returns 0, or -1 (after a
// message) if a timer cannot be re-created at restart: the checkpoint is refused.
int timers_checkpoint();
// RESTART: re-creates and re-arms every timer but the dispatched ones; the virtual ids then
// map to the new timers.
void timers_restart();
// The dispatcher thread, once running again after a restart: the same for its timers.
void timers_restart_dispatched();

}  // namespace ckpt::ipc
