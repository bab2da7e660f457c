/* plugins/pid/pid_fd_marks.h: fds whose contents carry pids (signalfd: ssi_pid), marked when
 * the application creates them so that read() translates only those. A mark is checked
 * against /proc/self/fd before it is trusted (the fd may have been closed and reused), and
 * dropped if the fd is something else now. Fds from 4096 up are not marked.
 * Not checkpoint-path: application threads. */
#ifndef CKPT_PID_FD_MARKS_H
#define CKPT_PID_FD_MARKS_H

#define PID_FD_SIGNALFD 1

void pid_fd_mark(int fd, int kind);
/* 1 if fd was marked `kind` and still is such an fd. */
int pid_fd_is(int fd, int kind);

#endif
