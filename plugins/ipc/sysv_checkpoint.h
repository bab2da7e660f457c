// plugins/ipc/sysv_checkpoint.h: the checkpoint half of the SysV protocol, one function per
// event (see README.md). Checkpoint path: yes (checkpoint thread, application stopped).
#pragma once

namespace ckpt::ipc {

int sysv_collect();    // SUSPENDED: attachments and every known object's identity
int sysv_elect();      // LEADER_ELECTION: one leader per object through the KV store
int sysv_save();       // DRAIN: leaders save semaphore values, messages, segment contents
void sysv_release();   // THREADS_RESUME: temporary attachments made by sysv_save go

// Restart half (sysv_restart.cc).
void sysv_restart();   // RESTART

}  // namespace ckpt::ipc
