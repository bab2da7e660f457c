// libckpt/core/events.cc: raise_event(), the dispatcher of plugin events (events.h).
// Natives run in their explicit order, ascending at checkpoint and descending on the way
// back; the seed (DMTCP) plugins form one chain at CKPT_ORDER_SEED, entered at the first
// seed plugin in library search order and continued by DMTCP_NEXT_EVENT_HOOK
// (ckpt_seed_next_hook): a hook that does not call it stops the later seed plugins.
// Hooks that run in the checkpoint thread during a round are timed by the watchdog.
// Checkpoint path: yes. No allocation; per-thread chain position in TLS (initial-exec).
#include "core/events.h"

#include <setjmp.h>

#include "core/plugin_internal.h"
#include "core/plugin_messages.h"
#include "core/plugin_registry.h"
#include "core/plugin_watchdog.h"
#include "core/runtime.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

__attribute__((tls_model("initial-exec"))) __thread int t_seed_pos = -1;
volatile int g_restarts;  // RESTART events seen by this process (dmtcpCheckpoint)

bool descending(Event e) {
  switch (e) {
    case Event::kResume: case Event::kRestart: case Event::kRefill:
    case Event::kRegisterNameServiceData: case Event::kSendQueries:
    case Event::kThreadsResume: case Event::kResumeUserThread:
      return true;
    default:
      return false;
  }
}

// Events of a round that the checkpoint thread raises: these get a time limit.
bool watched(Event e) {
  if (e < Event::kWaitForSuspendMsg || e > Event::kThreadsResume) return false;
  if (e == Event::kPreSuspendUserThread) return false;
  return rt().ckpt_tid != 0 && sys::gettid() == rt().ckpt_tid;
}

bool returns_to_restart(Event e) {
  return rt().restarted != 0 && (e == Event::kRefill || e == Event::kRegisterNameServiceData ||
                                 e == Event::kSendQueries || e == Event::kThreadsResume ||
                                 e == Event::kResumeUserThread || e == Event::kRestart);
}

void call_seed(int pos, int event, void* data) {
  PluginTable& t = plugins();
  while (pos < t.nseed && t.plugins[t.seed[pos]].faulted) ++pos;
  if (pos >= t.nseed) return;
  int saved = t_seed_pos;
  t_seed_pos = pos;
  t.plugins[t.seed[pos]].hook(event, data);
  t_seed_pos = saved;
}

int call_native(PluginRecord& p, Event e, void* data) {
  if (p.desc->on_event == nullptr) return 0;
  int rc = p.desc->on_event(static_cast<ckpt_event_t>(e), data);
  if (rc != 0) {
    char msg[256];
    CKPT_LOG(kError, "{}", plugin_msg::handler_refused(msg, sizeof msg, p.name,
                                                       event_name(static_cast<int>(e)), rc));
  }
  return rc;
}

// The plugin that was running when the watchdog fired.
PluginRecord& culprit(int idx) {
  PluginTable& t = plugins();
  if (t.plugins[idx].kind == PluginKind::kSeed && t_seed_pos >= 0 && t_seed_pos < t.nseed) {
    return t.plugins[t.seed[t_seed_pos]];
  }
  return t.plugins[idx];
}

void report_hang(PluginRecord& p, Event e, unsigned timeout_ms) {
  p.faulted = 1;
  char msg[700];
  plugin_msg::hook_timeout(msg, sizeof msg, p.name, p.path, event_name(static_cast<int>(e)),
                           timeout_ms / 1000);
  CKPT_LOG(kError, "{}", msg);
  report_plugin_failure(msg);
}

// Runs plugin `idx` (or the whole seed chain when idx is a seed plugin).
int run_one(int idx, Event e, ckpt_event_data_t* data) {
  PluginRecord& p = plugins().plugins[idx];
  if (p.faulted && p.kind == PluginKind::kNative) return 0;
  bool seed = p.kind == PluginKind::kSeed;
  if (!watched(e)) {
    if (!seed) return call_native(p, e, data);
    call_seed(0, static_cast<int>(e), data);
    return 0;
  }
  static sigjmp_buf jb;  // only the checkpoint thread gets here
  unsigned timeout = rt().barrier_timeout_ms + 1000;
  int saved_pos = t_seed_pos;
  if (sigsetjmp(jb, 1) != 0) {
    report_hang(culprit(idx), e, timeout);
    t_seed_pos = saved_pos;
    watchdog_disarm();
    return -110;  // ETIMEDOUT
  }
  bool armed = watchdog_arm(&jb, timeout);
  int rc = 0;
  if (seed) {
    call_seed(0, static_cast<int>(e), data);
  } else {
    rc = call_native(p, e, data);
  }
  if (armed) watchdog_disarm();
  return rc;
}

}  // namespace

int restart_count() { return g_restarts; }

int raise_event(Event event, void* /*core_data*/) {
  PluginTable& t = plugins();
  if (event == Event::kRestart) __atomic_add_fetch(&g_restarts, 1, __ATOMIC_SEQ_CST);
  if (event == Event::kWriteCkpt) sections_begin();
  ckpt_event_data_t data;
  data.is_restart = returns_to_restart(event) ? 1 : 0;
  if (event == Event::kPreExec || event == Event::kPostExec) data.fd = -1;
  int first_rc = 0;
  bool seed_done = false;
  for (int k = 0; k < t.count; ++k) {
    int idx = t.sorted[descending(event) ? t.count - 1 - k : k];
    if (t.plugins[idx].kind == PluginKind::kSeed) {
      if (seed_done) continue;
      seed_done = true;
    }
    int rc = run_one(idx, event, &data);
    if (rc != 0 && first_rc == 0) first_rc = rc;
  }
  return first_rc;
}

}  // namespace ckpt

// DMTCP_NEXT_EVENT_HOOK: continues the seed chain after the calling plugin.
extern "C" CKPT_EXPORT void ckpt_seed_next_hook(int event, void* data) {
  if (ckpt::t_seed_pos < 0) return;  // called outside a hook
  ckpt::call_seed(ckpt::t_seed_pos + 1, event, data);
}
