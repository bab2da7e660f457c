// libckpt/core/app_api.cc: the application API (ckpt/ckpt.h; dmtcp.h's dmtcpCheckpoint,
// dmtcpIsEnabled, dmtcpDelayCheckpointsLock/Unlock call these through dlsym, so a program
// built with them also runs without ckpt) and the process-state queries of ckpt/plugin.h.
// ckpt_checkpoint() runs in an application thread: it opens its own command connection to
// the coordinator (the member session belongs to the checkpoint thread), asks for a
// checkpoint and waits; that very thread is suspended during the checkpoint. A restart
// counter bumped at RESTART tells "after checkpoint" from "after restart" (after a restart
// the command socket is gone). Not checkpoint-path (application threads only).
#include <errno.h>
#include <poll.h>

#include "ckpt/ckpt.h"
#include "ckpt/plugin.h"
#include "core/coordinator_client.h"
#include "core/delay_lock.h"
#include "core/fd_claims.h"
#include "core/plugin_internal.h"
#include "core/runtime.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr int kRoundBusy = -2;  // the coordinator is running another round: retry

bool enabled() { return rt().cfg.signal != 0; }

// The checkpoint thread announces itself to the coordinator asynchronously: wait for it.
bool wait_member(int timeout_ms) {
  for (int waited = 0; rt().vpid == 0; waited += 10) {
    if (waited >= timeout_ms) return false;
    sys::Timespec ts{0, 10 * 1000 * 1000};
    sys::call(sys::kNanosleep, &ts, nullptr);
  }
  return true;
}

long send_checkpoint_command(int fd) {
  proto::Command c{};
  c.code = proto::kCmdCheckpoint;
  c.flags = proto::kCmdWait;
  sys::str_copy(c.secret, rt().cfg.secret, sizeof c.secret);
  return coord_send(fd, proto::kCommand, &c, sizeof c);
}

// Waits for the reply; a restart ends the wait (the socket does not survive it).
int wait_reply(int fd, int restarts_before) {
  for (;;) {
    if (restart_count() != restarts_before) return CKPT_AFTER_RESTART;
    struct pollfd p {fd, POLLIN, 0};
    long n = sys::call(7 /*poll*/, &p, 1, 200);
    if (restart_count() != restarts_before) return CKPT_AFTER_RESTART;
    if (n < 0 && n != -EINTR) return CKPT_ERROR;
    if (n <= 0) continue;
    if (p.revents & POLLNVAL) return CKPT_ERROR;
    proto::MsgHeader h;
    char payload[sizeof(proto::Reply) + 2048];
    long len = coord_recv(fd, &h, payload, sizeof payload - 1, 5000);
    if (restart_count() != restarts_before) return CKPT_AFTER_RESTART;
    if (len < static_cast<long>(sizeof(proto::Reply)) || h.type != proto::kReply) return CKPT_ERROR;
    proto::Reply r;
    sys::mem_copy(&r, payload, sizeof r);
    if (r.status != 0) {
      payload[len] = '\0';
      const char* text = payload + sizeof r;
      for (const char* p = text; *p != '\0'; ++p) {
        if (sys::starts_with(p, "in progress")) return kRoundBusy;  // someone else's round
      }
      CKPT_LOG(kError, "application-initiated checkpoint failed: {}", text);
      return CKPT_ERROR;
    }
    return CKPT_AFTER_CHECKPOINT;
  }
}

}  // namespace

}  // namespace ckpt

using ckpt::rt;

extern "C" CKPT_EXPORT int ckpt_is_enabled(void) { return ckpt::enabled() ? 1 : 0; }
extern "C" CKPT_EXPORT int ckpt_is_restarted(void) { return rt().restarted ? 1 : 0; }
extern "C" CKPT_EXPORT int ckpt_vpid(void) { return rt().vpid; }
extern "C" CKPT_EXPORT uint64_t ckpt_generation(void) {
  return rt().round.generation > rt().generation ? rt().round.generation : rt().generation;
}

extern "C" CKPT_EXPORT int ckpt_checkpoint(void) {
  if (!ckpt::enabled()) return CKPT_NOT_PRESENT;
  if (!ckpt::wait_member(30000)) {
    CKPT_LOG(kError, "application-initiated checkpoint: not connected to the coordinator at {}",
             rt().coord_addr);
    return CKPT_ERROR;
  }
  int before = ckpt::restart_count();
  for (int attempt = 0; attempt < 600; ++attempt) {  // up to a minute of busy coordinator
    long fd = ckpt::coord_connect(rt().cfg.coord_host, rt().cfg.coord_port, -1);
    if (fd < 0) return CKPT_ERROR;
    ckpt::mark_internal_fd(static_cast<int>(fd));  // not the application's: not saved
    int result = CKPT_ERROR;
    if (ckpt::send_checkpoint_command(static_cast<int>(fd)) == 0) {
      result = ckpt::wait_reply(static_cast<int>(fd), before);
    }
    ckpt::unmark_internal_fd(static_cast<int>(fd));
    if (result != CKPT_AFTER_RESTART) ckpt::sys::close(static_cast<int>(fd));
    if (result != ckpt::kRoundBusy) return result;
    ckpt::sys::Timespec ts{0, 100 * 1000 * 1000};
    ckpt::sys::nanosleep(&ts);
  }
  return CKPT_ERROR;
}

extern "C" CKPT_EXPORT int ckpt_delay_checkpoints_lock_app(void) {
  if (!ckpt::enabled()) return CKPT_NOT_PRESENT;
  ckpt::delay_lock();
  return 0;
}

extern "C" CKPT_EXPORT int ckpt_delay_checkpoints_unlock_app(void) {
  if (!ckpt::enabled()) return CKPT_NOT_PRESENT;
  ckpt::delay_unlock();
  return 0;
}

extern "C" CKPT_EXPORT void ckpt_delay_checkpoints_lock(void) { ckpt::delay_lock(); }
extern "C" CKPT_EXPORT void ckpt_delay_checkpoints_unlock(void) { ckpt::delay_unlock(); }
