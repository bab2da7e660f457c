// plugins/ipc/sem_undo.h: SEM_UNDO adjustments. The kernel keeps, per process and
// semaphore, the sum to undo at exit (semadj), but nothing shows it (not /proc/sysvipc/sem,
// not semctl). So the semop wrappers keep the same sums in a static table (in the image),
// and at restart each process makes the kernel hold them again, with one atomic semop per
// semaphore that leaves the value unchanged: -adj with SEM_UNDO, +adj without.
// semctl SETVAL/SETALL clear a semaphore's adjustments (the kernel's, in every process; here
// only this process's table), IPC_RMID drops them, and a forked child starts without any.
// Limits: after exec the table is empty (the kernel keeps semadj across exec); a semop that
// succeeded at the instant a checkpoint stopped the thread, before the table noted it, is
// not counted; a SETVAL/SETALL by another process does not clear this process's entries.
// Checkpoint path: sem_undo_restore yes (checkpoint thread); the rest runs in application
// threads (spin lock, no allocation).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/sem.h>

namespace ckpt::ipc {

// After a successful semop/semtimedop on virtual id `virt`.
void sem_undo_note(int64_t virt, const struct sembuf* sops, size_t n);
// semctl SETVAL (semnum >= 0), SETALL or IPC_RMID (semnum < 0) done: no adjustments left.
void sem_undo_clear(int64_t virt, int semnum);
void sem_undo_fork_child();          // a new process has no adjustments
// Restart, once the virtual ids point at the re-created sets (sysv_restart).
void sem_undo_restore();

}  // namespace ckpt::ipc
