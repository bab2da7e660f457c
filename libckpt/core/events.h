// libckpt/core/events.h: the points of a process's life at which plugins are called, in
// the order of DESIGN.md section 3. The core raises them; the plugin registry
// (core/plugin_registry.cc) delivers them to plugins in their explicit order (ascending at
// checkpoint, descending at restart). Checkpoint path: raise_event itself allocates nothing;
// what a plugin does in its handler is the plugin's responsibility.
#pragma once

namespace ckpt {

// Same numbering as ckpt_event_t in include/ckpt/plugin.h.
enum class Event : int {
  kInit = 1,
  kExit,
  kPreExec,
  kPostExec,
  kAtforkPrepare,
  kAtforkParent,
  kAtforkChild,
  kWaitForSuspendMsg,
  kPreSuspendUserThread,
  kThreadsSuspend,
  kSuspended,
  kLeaderElection,
  kDrain,
  kWriteCkpt,
  kResume,
  kRestart,
  kRefill,
  kRegisterNameServiceData,
  kSendQueries,
  kThreadsResume,
  kResumeUserThread,
  kThreadStart,
  kThreadCreated,
  kPthreadStart,
  kPthreadExit,
  kPthreadReturn,
};

// Delivers `event` to every registered plugin. Returns 0, or the first non-zero result of
// a plugin's handler (the checkpoint is then aborted, if one is in progress).
int raise_event(Event event, void* data = nullptr);

// Called once from the constructor, before kInit: finds the plugins loaded with libckpt.
void discover_plugins();

}  // namespace ckpt
