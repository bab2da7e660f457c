/* plugins/pid/pid_wrappers.c: process and thread ids, groups, sessions and signals.
 * Wrapped (pid_functions.tsv lists every wrapper of the plugin and how it translates):
 *   getpid getppid gettid getpgid getpgrp getsid setpgid setsid
 *   kill killpg tgkill sched_setaffinity sched_getaffinity syscall (getpid, gettid and
 *   getppid out; the pid arguments of the numbers below in; every other number passes)
 * Not checkpoint-path: application threads. Each wrapper keeps the next function's errno. */
#define _GNU_SOURCE 1
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ckpt/plugin.h"
#include "pid_sys.h"
#include "pid_table.h"

#define WRAPPER __attribute__((visibility("default")))

WRAPPER pid_t getpid(void) { return pid_to_virtual(raw_getpid()); }
WRAPPER pid_t getppid(void) { return pid_to_virtual(raw_getppid()); }
WRAPPER pid_t gettid(void) { return pid_to_virtual(raw_gettid()); }

WRAPPER pid_t getpgid(pid_t pid) {
  pid_t r = CKPT_NEXT(getpgid)(pid_to_real(pid));
  return r < 0 ? r : pid_to_virtual(r);
}

WRAPPER pid_t getpgrp(void) { return pid_to_virtual(CKPT_NEXT(getpgrp)()); }

WRAPPER pid_t getsid(pid_t pid) {
  pid_t r = CKPT_NEXT(getsid)(pid_to_real(pid));
  return r < 0 ? r : pid_to_virtual(r);
}

WRAPPER int setpgid(pid_t pid, pid_t pgid) {
  return CKPT_NEXT(setpgid)(pid_to_real(pid), pid_to_real(pgid));
}

WRAPPER pid_t setsid(void) {
  pid_t r = CKPT_NEXT(setsid)();
  return r < 0 ? r : pid_to_virtual(r);
}

WRAPPER int kill(pid_t pid, int sig) { return CKPT_NEXT(kill)(pid_to_real(pid), sig); }

WRAPPER int killpg(pid_t pgrp, int sig) { return CKPT_NEXT(killpg)(pid_to_real(pgrp), sig); }

WRAPPER int tgkill(pid_t tgid, pid_t tid, int sig) {
  return CKPT_NEXT(tgkill)(pid_to_real(tgid), pid_to_real(tid), sig);
}

WRAPPER int sched_setaffinity(pid_t pid, size_t size, const cpu_set_t* set) {
  return CKPT_NEXT(sched_setaffinity)(pid_to_real(pid), size, set);
}

WRAPPER int sched_getaffinity(pid_t pid, size_t size, cpu_set_t* set) {
  return CKPT_NEXT(sched_getaffinity)(pid_to_real(pid), size, set);
}

/* syscall(2) numbers whose first argument is a pid (0: the caller, unchanged). */
static int first_arg_is_pid(long n) {
  switch (n) {
    case SYS_kill: case SYS_tkill: case SYS_process_vm_readv: case SYS_process_vm_writev:
    case SYS_pidfd_open: case SYS_prlimit64: case SYS_rt_sigqueueinfo:
    case SYS_sched_setaffinity: case SYS_sched_getaffinity: case SYS_sched_setscheduler:
    case SYS_sched_getscheduler: case SYS_sched_setparam: case SYS_sched_getparam:
    case SYS_sched_rr_get_interval: case SYS_sched_setattr: case SYS_sched_getattr:
    case SYS_setpgid: case SYS_kcmp:
      return 1;
    default:
      return 0;
  }
}

/* syscall(2) with a process id in its arguments; the result of getpid-like numbers too. */
static long translate_syscall(long n, long a[6], int* handled) {
  *handled = 1;
  switch (n) {
    case SYS_getpid: return getpid();
    case SYS_getppid: return getppid();
    case SYS_gettid: return gettid();
    case SYS_getpgid: return getpgid((pid_t)a[0]);
    case SYS_getsid: return getsid((pid_t)a[0]);
    case SYS_tgkill: case SYS_rt_tgsigqueueinfo: case SYS_kcmp:
      a[1] = pid_to_real((pid_t)a[1]);
      break;
    case SYS_setpgid: a[1] = pid_to_real((pid_t)a[1]); break;
    case SYS_getpriority: case SYS_setpriority:
      if (a[0] == PRIO_PROCESS || a[0] == PRIO_PGRP) a[1] = pid_to_real((pid_t)a[1]);
      break;
    default: break;
  }
  if (first_arg_is_pid(n) || n == SYS_tgkill || n == SYS_rt_tgsigqueueinfo) {
    a[0] = pid_to_real((pid_t)a[0]);
  }
  *handled = 0;
  return 0;
}

WRAPPER long syscall(long n, ...) {
  long a[6];
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < 6; ++i) a[i] = va_arg(ap, long);
  va_end(ap);
  int handled;
  long r = translate_syscall(n, a, &handled);
  return handled ? r : CKPT_NEXT(syscall)(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
