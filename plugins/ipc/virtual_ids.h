// plugins/ipc/virtual_ids.h: virtual ids on top of the public ckpt_id_table_t. A new kernel
// id is shown to the application unchanged (so ids look native until the first restart)
// unless that value is already the virtual id of another object; then the table hands out a
// fresh one. Checkpoint path: yes (no allocation).
#pragma once

#include <stdint.h>

#include "ckpt/plugin.h"

namespace ckpt::ipc {

// Virtual id for `real` (existing entry, or a new one); `real` itself if the table is full.
int64_t virtualize(ckpt_id_table_t* t, int64_t real);
// Real id for `virt`; `virt` itself if it is unknown (a real id from elsewhere).
int64_t to_real(ckpt_id_table_t* t, int64_t virt);
// Lock-free read: for the checkpoint thread while application threads are stopped (one of
// them may hold the table's spin lock), and the fast path of to_real().
int64_t peek_real(const ckpt_id_table_t* t, int64_t virt);
// At restart: a thread stopped inside a table call left the lock taken in the image.
void reset_lock(ckpt_id_table_t* t);

// Bumped whenever a checkpoint starts, resumes or restarts: a wrapper that sees EINTR and a
// changed epoch was interrupted by ckpt, not by the application, and retries (SysV calls are
// never restarted by the kernel).
uint32_t epoch();
void bump_epoch();

// The checkpoint thread's tid, noted at the start of every round and at restart: wrappers
// called from it (another plugin's event handler re-creating a timer through us) must not
// wait for the checkpoint to end.
void note_ckpt_thread();

// Holds checkpoints off while a resource and its table entry appear or go together
// (ckpt_delay_checkpoints_lock), except in the checkpoint thread itself.
class DelayGuard {
 public:
  DelayGuard();
  ~DelayGuard();
  DelayGuard(const DelayGuard&) = delete;
  DelayGuard& operator=(const DelayGuard&) = delete;

 private:
  bool held_;
};

}  // namespace ckpt::ipc
