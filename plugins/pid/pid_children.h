/* plugins/pid/pid_children.h: this process's children as the pid plugin sees them: at
 * checkpoint, their virtual pids and which are zombies (with their status); at restart,
 * the zombies that `ckpt restart` re-created for us (children of ours in state Z) matched
 * back to their virtual pids. Checkpoint path: yes (raw syscalls, static memory). */
#ifndef CKPT_PID_CHILDREN_H
#define CKPT_PID_CHILDREN_H

/* WRITE_CKPT: records every child of every thread (/proc/self/task/<tid>/children). */
void pid_children_capture(void);
/* After restart: maps each saved zombie's virtual pid to the re-created zombie's real pid
 * (same wait status, in creation order). Returns how many were matched. */
int pid_children_match_zombies(void);

/* Field n (1-based, proc(5)) of /proc/<pid>/stat as a number, and the state letter of
 * field 3 in *state. Returns -1 if the process is gone. */
long pid_stat_field(int pid, int n, char* state);

#endif
