/* plugins/pid/wait_wrappers.c: waiting for children. Wrapped: wait waitpid wait3 wait4
 * waitid. The pid (or -pgid) argument goes in as a real id, the reaped child's pid comes
 * out virtual, and a reaped child's entry leaves the table (its virtual pid is free again).
 * A wait blocked in the kernel across a restart is re-issued by the kernel with the real
 * pid of before the restart and fails with ECHILD: it is retried with the new translation.
 * Not checkpoint-path: application threads. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "ckpt/plugin.h"
#include "pid_table.h"

#define WRAPPER __attribute__((visibility("default")))

/* A child was reaped (or reported) as real pid `real`: its virtual pid. */
static pid_t reported(pid_t real, int options, int status_known, int status) {
  if (real <= 0) return real;
  pid_t virt = pid_to_virtual(real);
  int gone = !(options & WNOWAIT) &&
             (!status_known || WIFEXITED(status) || WIFSIGNALED(status));
  if (gone && virt != real) {
    int saved = errno;
    pid_unmap(virt);
    errno = saved;
  }
  return virt;
}

WRAPPER pid_t wait4(pid_t pid, int* status, int options, struct rusage* ru) {
  int st = 0;
  pid_t r;
  int epoch;
  do {
    epoch = pid_restart_epoch();
    r = CKPT_NEXT(wait4)(pid_to_real(pid), &st, options, ru);
  } while (r < 0 && errno == ECHILD && epoch != pid_restart_epoch());
  if (r > 0 && status != NULL) *status = st;
  return reported(r, options, 1, st);
}

WRAPPER pid_t waitpid(pid_t pid, int* status, int options) {
  return wait4(pid, status, options, NULL);
}

WRAPPER pid_t wait(int* status) { return wait4(-1, status, 0, NULL); }

WRAPPER pid_t wait3(int* status, int options, struct rusage* ru) {
  return wait4(-1, status, options, ru);
}

WRAPPER int waitid(idtype_t idtype, id_t id, siginfo_t* info, int options) {
  int r, epoch;
  do {
    epoch = pid_restart_epoch();
    id_t real = (idtype == P_PID || idtype == P_PGID) ? (id_t)pid_to_real((pid_t)id) : id;
    r = CKPT_NEXT(waitid)(idtype, real, info, options);
  } while (r < 0 && errno == ECHILD && epoch != pid_restart_epoch());
  if (r == 0 && info != NULL && info->si_pid > 0) {
    int exited = info->si_code == CLD_EXITED || info->si_code == CLD_KILLED ||
                 info->si_code == CLD_DUMPED;
    int st = exited ? 0 : 0x7f; /* "stopped" form keeps the entry */
    info->si_pid = reported(info->si_pid, options, 1, st);
  }
  return r;
}
