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

// After a successful timer_create: `sev` is what the application passed (NULL: SIGALRM with
// the timer id as value). Returns the virtual id to give the application.
int64_t timer_created(int64_t real, clockid_t clock, const struct sigevent* sev);
void timer_deleted(int64_t virt);

// SUSPENDED: records every timer's remaining time and interval. Returns 0, or -1 (after a
// message) if a timer cannot be re-created at restart: the checkpoint is refused.
int timers_checkpoint();
// WAIT_FOR_SUSPEND_MSG: names SIGEV_THREAD timers, whose glibc helper thread cannot be
// suspended (the round fails at the suspend step, before SUSPENDED could refuse it).
void timers_warn_unsuspendable();
// RESTART: re-creates and re-arms every timer; the virtual ids then map to the new timers.
void timers_restart();

}  // namespace ckpt::ipc
