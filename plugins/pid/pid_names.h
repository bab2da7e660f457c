/* plugins/pid/pid_names.h: the restart exchange of the pid plugin through the coordinator's
 * key-value store. Every restored process publishes (virtual pid -> new real pid) under a
 * ticket of its generation (REGISTER_NAME_SERVICE_DATA); after the core's name_service
 * barrier each process reads every entry of this restart (SEND_QUERIES), newest ticket
 * first, and stops at the first virtual pid seen twice (an earlier restart of the same
 * generation). Entries from another host are ignored: pids are per host.
 * Checkpoint path: yes (checkpoint thread; static memory only). */
#ifndef CKPT_PID_NAMES_H
#define CKPT_PID_NAMES_H

#include <sys/types.h>

/* Remembers the host this process was created on (INIT; inherited by fork). */
void pid_names_init_host(void);
/* Entry kinds: a process (its virtual pid is unique in one restart, so a repeated one marks
 * the end of this restart's entries), or an extra id (a thread of another process, a
 * process group whose leader is gone), which several processes may publish alike. */
#define PID_NAME_PROCESS 0
#define PID_NAME_EXTRA 1
int pid_names_publish(pid_t virt, pid_t real, int kind);
/* Reads the entries and maps them; returns how many were mapped or -errno. */
int pid_names_query(void);

#endif
