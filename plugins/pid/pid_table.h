/* plugins/pid/pid_table.h: the pid plugin's translation between virtual pids (the pids a
 * process of the computation saw when it was created) and the real pids of this run. Tids
 * share the table (a thread's virtual tid is its first real tid). Before any restart the
 * table is empty and both directions are the identity. One ckpt_id_table_t from the public
 * plugin API, in process memory, so every image carries it.
 * Checkpoint path: yes (the table's spin lock is never held across a call). */
#ifndef CKPT_PID_TABLE_H
#define CKPT_PID_TABLE_H

#include <sys/types.h>

#include "ckpt/plugin.h"

#define PID_TABLE_CAPACITY 8192

ckpt_id_table_t* pid_table(void);
/* Virtual -> real; ids the table does not know are their own translation. Handles the
 * process-group forms: 0 and -1 unchanged, -v -> -real(v). */
pid_t pid_to_real(pid_t virt);
pid_t pid_to_virtual(pid_t real);
/* As pid_to_virtual without the table's lock, for signal handlers (the interrupted thread
 * may hold it): a plain scan that may miss an entry being changed at that moment. */
pid_t pid_to_virtual_in_handler(pid_t real);
/* Records virt -> real (replacing what virt had, and dropping any other entry for real). */
void pid_map(pid_t virt, pid_t real);
/* Forgets the entry of virt (a reaped child). */
void pid_unmap(pid_t virt);
/* A new process got real pid `real`: 1 if the application already uses `real` as the
 * virtual pid of another process (so the new one must not keep it). */
int pid_conflicts(pid_t real);
/* Drops entries whose real pid is `real` (their process is gone: the kernel reused it). */
void pid_forget_real(pid_t real);

/* Counts restarts of this process (bumped at RESTART): a wrapper whose real call was in
 * progress across a restart (blocked in wait4 with a pre-restart real pid) retries. */
int pid_restart_epoch(void);
void pid_note_restart(void);

/* Serialisation across exec: "v:r,v:r,..." into buf (returns length, or -1 if too small),
 * and back. */
int pid_table_format(char* buf, int cap);
void pid_table_parse(const char* text);

#endif
