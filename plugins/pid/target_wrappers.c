/* plugins/pid/target_wrappers.c: calls that name another process by pid: its memory,
 * scheduling, priority, limits and pidfd. The pid goes in as the real one; 0 (the caller)
 * passes unchanged. Wrapped: process_vm_readv process_vm_writev getpriority setpriority
 * (PRIO_PROCESS, PRIO_PGRP) prlimit prlimit64 pidfd_open sched_setscheduler
 * sched_getscheduler sched_setparam sched_getparam sched_rr_get_interval.
 * Not checkpoint-path: application threads. */
#define _GNU_SOURCE 1
#include <sched.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include "ckpt/plugin.h"
#include "pid_table.h"

#define WRAPPER __attribute__((visibility("default")))

/* glibc 2.36 declares pidfd_open in <sys/pidfd.h>; declared here to build on older ones. */
int pidfd_open(pid_t pid, unsigned int flags);

WRAPPER ssize_t process_vm_readv(pid_t pid, const struct iovec* local, unsigned long nlocal,
                                 const struct iovec* remote, unsigned long nremote,
                                 unsigned long flags) {
  return CKPT_NEXT(process_vm_readv)(pid_to_real(pid), local, nlocal, remote, nremote, flags);
}

WRAPPER ssize_t process_vm_writev(pid_t pid, const struct iovec* local, unsigned long nlocal,
                                  const struct iovec* remote, unsigned long nremote,
                                  unsigned long flags) {
  return CKPT_NEXT(process_vm_writev)(pid_to_real(pid), local, nlocal, remote, nremote, flags);
}

static id_t priority_target(int which, id_t who) {
  return which == PRIO_PROCESS || which == PRIO_PGRP ? (id_t)pid_to_real((pid_t)who) : who;
}

WRAPPER int getpriority(__priority_which_t which, id_t who) {
  return CKPT_NEXT(getpriority)(which, priority_target(which, who));
}

WRAPPER int setpriority(__priority_which_t which, id_t who, int prio) {
  return CKPT_NEXT(setpriority)(which, priority_target(which, who), prio);
}

WRAPPER int prlimit(pid_t pid, __rlimit_resource_t res, const struct rlimit* lim,
                    struct rlimit* old) {
  return CKPT_NEXT(prlimit)(pid_to_real(pid), res, lim, old);
}

WRAPPER int prlimit64(pid_t pid, __rlimit_resource_t res, const struct rlimit64* lim,
                      struct rlimit64* old) {
  return CKPT_NEXT(prlimit64)(pid_to_real(pid), res, lim, old);
}

WRAPPER int pidfd_open(pid_t pid, unsigned int flags) {
  return CKPT_NEXT(pidfd_open)(pid_to_real(pid), flags);
}

WRAPPER int sched_setscheduler(pid_t pid, int policy, const struct sched_param* param) {
  return CKPT_NEXT(sched_setscheduler)(pid_to_real(pid), policy, param);
}

WRAPPER int sched_getscheduler(pid_t pid) {
  return CKPT_NEXT(sched_getscheduler)(pid_to_real(pid));
}

WRAPPER int sched_setparam(pid_t pid, const struct sched_param* param) {
  return CKPT_NEXT(sched_setparam)(pid_to_real(pid), param);
}

WRAPPER int sched_getparam(pid_t pid, struct sched_param* param) {
  return CKPT_NEXT(sched_getparam)(pid_to_real(pid), param);
}

WRAPPER int sched_rr_get_interval(pid_t pid, struct timespec* t) {
  return CKPT_NEXT(sched_rr_get_interval)(pid_to_real(pid), t);
}
