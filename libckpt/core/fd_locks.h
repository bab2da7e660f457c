// libckpt/core/fd_locks.h: file locks a process holds at checkpoint time (POSIX record locks
// of fcntl F_SETLK, flock locks, open-file-description locks of F_OFD_SETLK), read from the
// "lock:" lines of /proc/self/fdinfo/<fd>, and taken again at restart once every fd is back
// at its number. A lock another process holds by then cannot be taken: it is reported with
// the file's name (warning) and the restart goes on. Locks a process is waiting for are not
// recorded (the waiting call is retried by the application).
// Checkpoint path: yes (raw system calls, static memory).
#pragma once

namespace ckpt {

// After scan_fds(): records the locks held through each regular file or directory fd.
void capture_locks();
// At restart, after the fds and the plugins' fds are back: takes each recorded lock again.
void restore_locks();
// At checkpoint, after libckpt closed a second fd of a locked file (fd_files.cc), which
// drops the process's POSIX locks on it: takes the recorded POSIX locks again.
void retake_posix_locks();

}  // namespace ckpt
