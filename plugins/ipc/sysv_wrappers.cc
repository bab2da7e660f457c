// plugins/ipc/sysv_wrappers.cc: interposers for the SysV IPC calls. The application sees
// virtual ids (sysv_table.h); every call translates to the kernel's id. Calls that can block
// (semop, semtimedop, msgsnd, msgrcv) are never restarted by the kernel after a signal: when
// ckpt's suspend signal interrupted them (the epoch moved), they are retried, with the new
// id after a restart.
// Wrapped: shmget shmat shmctl semget semop semtimedop semctl msgget msgsnd msgrcv msgctl
// (shmdt takes an address and needs no wrapper.) semop/semtimedop/semctl also keep the
// SEM_UNDO table (sem_undo.h).
// Checkpoint path: no (application threads). errno is preserved from the real call.
#define _GNU_SOURCE 1
#include <errno.h>
#include <stdarg.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "ckpt/plugin.h"
#include "sem_undo.h"
#include "sysv_table.h"
#include "virtual_ids.h"

using ckpt::ipc::Kind;

namespace {

union SemArg {
  int val;
  struct semid_ds* buf;
  unsigned short* array;
  struct seminfo* info;
};

int real_id(Kind k, int virt) {
  return static_cast<int>(ckpt::ipc::to_real(ckpt::ipc::sysv_ids(k), virt));
}

// A new kernel id (from *get or *_STAT): its virtual id, registered before a checkpoint.
int virtual_id(Kind k, int real) {
  if (real < 0) return real;
  int saved = errno;
  ckpt::ipc::DelayGuard guard;
  int v = static_cast<int>(ckpt::ipc::virtualize(ckpt::ipc::sysv_ids(k), real));
  errno = saved;
  return v;
}

void forget(Kind k, int virt, int rc) {
  if (rc == 0) ckpt_id_remove(ckpt::ipc::sysv_ids(k), virt);
}

// Command numbers overlap across kinds (SHM_STAT == GETALL), so each kind has its own set.
bool is_stat_by_index(Kind k, int cmd) {
  switch (k) {
    case Kind::kShm:
      return cmd == SHM_STAT || cmd == SHM_STAT_ANY;
    case Kind::kSem:
      return cmd == SEM_STAT || cmd == SEM_STAT_ANY;
    default:
      return cmd == MSG_STAT || cmd == MSG_STAT_ANY;
  }
}

bool is_info(Kind k, int cmd) {
  switch (k) {
    case Kind::kShm:
      return cmd == IPC_INFO || cmd == SHM_INFO;
    case Kind::kSem:
      return cmd == IPC_INFO || cmd == SEM_INFO;
    default:
      return cmd == IPC_INFO || cmd == MSG_INFO;
  }
}

// The id argument of a *ctl call: translated unless the command takes an index or nothing.
int ctl_id(Kind k, int id, int cmd) {
  return is_info(k, cmd) || is_stat_by_index(k, cmd) ? id : real_id(k, id);
}

// Retries a blocking call that a checkpoint (not the application) interrupted.
template <typename Call>
long retry_across_checkpoints(Call call) {
  for (;;) {
    uint32_t e = ckpt::ipc::epoch();
    long rc = call();
    if (rc >= 0 || (errno != EINTR && errno != EIDRM && errno != EINVAL) ||
        e == ckpt::ipc::epoch()) {
      return rc;
    }
  }
}

}  // namespace

extern "C" CKPT_EXPORT int shmget(key_t key, size_t size, int flags) {
  return virtual_id(Kind::kShm, CKPT_NEXT(shmget)(key, size, flags));
}

extern "C" CKPT_EXPORT void* shmat(int id, const void* addr, int flags) {
  return CKPT_NEXT(shmat)(real_id(Kind::kShm, id), addr, flags);
}

extern "C" CKPT_EXPORT int shmctl(int id, int cmd, struct shmid_ds* buf) {
  int rc = CKPT_NEXT(shmctl)(ctl_id(Kind::kShm, id, cmd), cmd, buf);
  return is_stat_by_index(Kind::kShm, cmd) ? virtual_id(Kind::kShm, rc) : rc;
}

extern "C" CKPT_EXPORT int semget(key_t key, int nsems, int flags) {
  return virtual_id(Kind::kSem, CKPT_NEXT(semget)(key, nsems, flags));
}

extern "C" CKPT_EXPORT int semop(int id, struct sembuf* sops, size_t n) {
  int rc = static_cast<int>(retry_across_checkpoints(
      [&] { return CKPT_NEXT(semop)(real_id(Kind::kSem, id), sops, n); }));
  if (rc == 0) ckpt::ipc::sem_undo_note(id, sops, n);
  return rc;
}

extern "C" CKPT_EXPORT int semtimedop(int id, struct sembuf* sops, size_t n,
                                      const struct timespec* timeout) {
  int rc = static_cast<int>(retry_across_checkpoints(
      [&] { return CKPT_NEXT(semtimedop)(real_id(Kind::kSem, id), sops, n, timeout); }));
  if (rc == 0) ckpt::ipc::sem_undo_note(id, sops, n);
  return rc;
}

extern "C" CKPT_EXPORT int semctl(int id, int semnum, int cmd, ...) {
  SemArg arg{};
  if (cmd != IPC_RMID && cmd != GETVAL && cmd != GETPID && cmd != GETNCNT && cmd != GETZCNT) {
    va_list ap;
    va_start(ap, cmd);
    arg = va_arg(ap, SemArg);
    va_end(ap);
  }
  int rc = CKPT_NEXT(semctl)(ctl_id(Kind::kSem, id, cmd), semnum, cmd, arg);
  if (cmd == IPC_RMID) forget(Kind::kSem, id, rc);
  if (rc == 0 && (cmd == IPC_RMID || cmd == SETVAL || cmd == SETALL)) {
    ckpt::ipc::sem_undo_clear(id, cmd == SETVAL ? semnum : -1);
  }
  return is_stat_by_index(Kind::kSem, cmd) ? virtual_id(Kind::kSem, rc) : rc;
}

extern "C" CKPT_EXPORT int msgget(key_t key, int flags) {
  return virtual_id(Kind::kMsg, CKPT_NEXT(msgget)(key, flags));
}

extern "C" CKPT_EXPORT int msgsnd(int id, const void* msg, size_t size, int flags) {
  return static_cast<int>(retry_across_checkpoints(
      [&] { return CKPT_NEXT(msgsnd)(real_id(Kind::kMsg, id), msg, size, flags); }));
}

extern "C" CKPT_EXPORT ssize_t msgrcv(int id, void* msg, size_t size, long type, int flags) {
  return retry_across_checkpoints(
      [&] { return CKPT_NEXT(msgrcv)(real_id(Kind::kMsg, id), msg, size, type, flags); });
}

extern "C" CKPT_EXPORT int msgctl(int id, int cmd, struct msqid_ds* buf) {
  int rc = CKPT_NEXT(msgctl)(ctl_id(Kind::kMsg, id, cmd), cmd, buf);
  if (cmd == IPC_RMID) forget(Kind::kMsg, id, rc);
  return is_stat_by_index(Kind::kMsg, cmd) ? virtual_id(Kind::kMsg, rc) : rc;
}
