/* plugins/pid/pid_sys.h: raw system calls for the pid plugin, so that the plugin's own
 * calls never go through its wrappers (or anyone else's) and touch no errno or libc lock.
 * Checkpoint path: yes. Each returns the kernel's result (>= 0, or -errno). */
#ifndef CKPT_PID_SYS_H
#define CKPT_PID_SYS_H

#include <sys/syscall.h>

static inline long pid_sys6(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
  long ret;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#define pid_sys(n, a, b, c) pid_sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

static inline int raw_getpid(void) { return (int)pid_sys(SYS_getpid, 0, 0, 0); }
static inline int raw_getppid(void) { return (int)pid_sys(SYS_getppid, 0, 0, 0); }
static inline int raw_gettid(void) { return (int)pid_sys(SYS_gettid, 0, 0, 0); }

#endif
