// plugins/ipc/sysv_state_io.h: reading and writing one SysV object's kernel state (stat,
// permissions, semaphore values, queued messages, segment contents) through the real libc
// calls. Used by the checkpoint (sysv_checkpoint.cc) and the restart (sysv_restart.cc).
// Checkpoint path: yes (thin syscall wrappers, static memory).
#pragma once

#include "sysv_table.h"

namespace ckpt::ipc {

// IPC_STAT of rec.old_real into rec (key, owner, mode, size). False if the object is gone.
bool stat_object(SysvRecord& rec);
// Kernel key/owner of `id` of kind k; false if no such object.
bool peek_object(Kind k, int id, key_t* key, uid_t* cuid);
int remove_object(Kind k, int id);  // IPC_RMID; 0 or -1

// Leader at checkpoint: semaphore values / queued messages into the pool. 0 or -1 (errno).
int save_sem_values(SysvRecord& rec);
int save_messages(SysvRecord& rec);

// Leader at restart: a new object of rec's kind, key and size (IPC_CREAT|IPC_EXCL); -1 on
// failure. Then the saved state and permissions.
int create_object(const SysvRecord& rec);
int restore_state(const SysvRecord& rec, int id, const void* shm_contents, uint64_t shm_len);

}  // namespace ckpt::ipc
