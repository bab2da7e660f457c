/* plugins/pid/pid_threads.h: virtual tids of this process's threads for other processes.
 * A thread's own gettid() is translated at RESUME_USER_THREAD; another process (tgkill,
 * /proc/<vpid>/task/<vtid>) learns the new tids through the restart exchange. Each thread
 * notes (virtual tid, stack address) when it suspends; at restart the checkpoint thread
 * finds each parked thread's stack pointer in /proc/self/task/<tid>/syscall (the threads
 * sleep in libckpt's suspend handler, a few frames from the noted one), matches it to a note and
 * publishes (virtual tid -> new tid) as an extra entry of the exchange.
 * Checkpoint path: yes (static memory and raw system calls only). */
#ifndef CKPT_PID_THREADS_H
#define CKPT_PID_THREADS_H

#include <stdint.h>
#include <sys/types.h>

/* Start of a round (checkpoint thread): forget the notes of the last round. */
void pid_threads_reset(void);
/* PRE_SUSPEND_USER_THREAD, in each application thread. */
void pid_threads_note(pid_t vtid, uintptr_t frame);
/* Restart, checkpoint thread: maps and publishes the threads other than the main one
 * (virtual tid `self`); returns how many were published or -errno. */
int pid_threads_publish(pid_t self);

#endif
