// plugins/ipc/ipc_plugin.cc: the ipc plugin's descriptor and event handler, i.e. its part of
// the checkpoint protocol, top to bottom (README.md has the phase/barrier table).
// Checkpoint path: yes: every event below except INIT runs in the checkpoint thread while
// the application is stopped (no allocation, no stdio, no application locks).
#include "ckpt/plugin.h"
#include "ipc_log.h"
#include "itimer_state.h"
#include "sem_undo.h"
#include "sysv_checkpoint.h"
#include "timer_table.h"
#include "timer_thread.h"
#include "virtual_ids.h"

namespace ckpt::ipc {

namespace {

int on_event(ckpt_event_t event, void* /*data*/) {
  switch (event) {
    case CKPT_EVENT_INIT:
      init_log_level();
      return 0;
    case CKPT_EVENT_ATFORK_CHILD:
      sem_undo_fork_child();
      return 0;
    case CKPT_EVENT_WAIT_FOR_SUSPEND_MSG:
      note_ckpt_thread();
      bump_epoch();  // blocked SysV calls about to be interrupted by ckpt retry
      return 0;
    case CKPT_EVENT_PRE_SUSPEND_USER_THREAD:
      thread_timers_take_pending();
      return 0;
    case CKPT_EVENT_SUSPENDED: {
      itimers_checkpoint();
      int timers = timers_checkpoint();
      int sysv = sysv_collect();
      return timers != 0 || sysv != 0 ? 1 : 0;
    }
    case CKPT_EVENT_LEADER_ELECTION:
      return sysv_elect() != 0 ? 1 : 0;  // core barrier "leader_election" follows
    case CKPT_EVENT_DRAIN:
      return sysv_save() != 0 ? 1 : 0;
    case CKPT_EVENT_RESTART:
      note_ckpt_thread();
      bump_epoch();
      timers_restart();
      itimers_restart();
      sysv_restart();  // barriers ipc.recreated, ipc.attached
      return 0;
    case CKPT_EVENT_THREADS_RESUME:
      sysv_release();
      bump_epoch();
      return 0;
    default:
      return 0;
  }
}

}  // namespace

}  // namespace ckpt::ipc

// The descriptor (CKPT_DECLARE_PLUGIN spelled out: in C++ a const object has internal linkage
// unless declared extern). Order 60: after lower-numbered plugins at checkpoint, before them
// on the way back. Section version 1 (no section yet: the state lives in process memory).
extern "C" CKPT_EXPORT const ckpt_plugin_t ckpt_plugin_descriptor = {
    CKPT_PLUGIN_ABI_V1, "ipc", 60, 1, &ckpt::ipc::on_event};
