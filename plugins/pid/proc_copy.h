/* plugins/pid/proc_copy.h: /proc/<pid>/stat and /proc/<pid>/status (also of self,
 * thread-self and .../task/<tid>) opened for reading after a restart give a rewritten copy:
 * a memfd holding the file's contents at open time with pid, ppid, pgrp, session and tpgid
 * (stat) or Tgid, Pid, PPid, TracerPid and the NS* lines (status) virtual. A reader that
 * rereads the same fd (lseek + read) sees the contents of open time, not fresh values.
 * Not checkpoint-path: application threads. */
#ifndef CKPT_PROC_COPY_H
#define CKPT_PROC_COPY_H

#define PROC_COPY_NONE 0
#define PROC_COPY_STAT 1
#define PROC_COPY_STATUS 2

/* Which kind of file `path` (with real ids) is, for a read-only open. */
int proc_copy_kind(const char* path, int flags);
/* The rewritten copy as a new fd (O_CLOEXEC from flags), or -1 with errno set. */
int proc_copy_open(const char* path, int kind, int flags);

#endif
