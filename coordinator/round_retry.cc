// coordinator/round_retry.cc: a checkpoint round aborted because a process joined too late
// to be in it (a program exec'd or spawned just before the round), or because a process
// left before it had stopped (it exited or exec'd: session.cc, member_left), is started
// again by itself, a little later, with the same flags and the same `checkpoint --wait`
// clients, up to kMaxRetries times: processes come and go all the time in a build or a
// shell pipeline, and the user asked for one generation, not for an error.
#include <sys/timerfd.h>
#include <unistd.h>

#include "coordinator/json_writer.h"
#include "coordinator/messages.h"
#include "coordinator/session.h"
#include "coordinator/str_cat.h"

namespace ckpt::coord {

namespace {
constexpr int kMaxRetries = 20;
constexpr long kRetryDelayMs = 150;
}  // namespace

void Session::abort_round_and_retry(const std::string& reason) {
  if (!round_ || round_->kind() != RoundKind::kCheckpoint || retries_ >= kMaxRetries) {
    retries_ = 0;
    abort_round(reason + messages::retries_exhausted(kMaxRetries));
    return;
  }
  uint32_t flags = round_->flags();
  std::vector<ConnId> waiters;
  waiters.swap(waiters_);  // kept for the next attempt, not told of this abort
  abort_round(reason);
  retry_waiters_ = std::move(waiters);
  retry_flags_ = flags;
  ++retries_;
  log_.info(str_cat("checkpoint retried in ", kRetryDelayMs, " ms (attempt ", retries_ + 1,
                    " of ", kMaxRetries + 1, ")"));
  struct itimerspec its {};
  its.it_value.tv_nsec = kRetryDelayMs * 1000000L;
  timerfd_settime(retry_fd_, 0, &its, nullptr);
}

// Every round (each checkpoint attempt, each restart) adds 1 to the KV key "ckpt.rounds"
// before any participant hears of it. libckpt's round_tag() (libckpt/core/fd_share.cc)
// reads it, so that the per-round keys of an aborted attempt, which only some processes
// reached, never mix with those of the next attempt or of another generation.
void Session::count_round_attempt() {
  int64_t one = 1;
  Result<std::string> r = kv_.put(proto::kKvAdd, "ckpt.rounds",
                                  std::string(reinterpret_cast<const char*>(&one), sizeof one));
  if (!r.is_ok()) {
    log_.warn(str_cat("cannot count the round: ", r.status().message()));
  }
}

void Session::on_retry_timer() {
  uint64_t expirations = 0;
  ssize_t n = read(retry_fd_, &expirations, sizeof expirations);
  (void)n;
  std::vector<ConnId> waiters;
  waiters.swap(retry_waiters_);
  if (round_) {  // someone else started a round meanwhile: it serves the waiters
    waiters_.insert(waiters_.end(), waiters.begin(), waiters.end());
    retries_ = 0;
    return;
  }
  Result<uint64_t> g = start_checkpoint(retry_flags_);
  if (!g.is_ok()) {
    retries_ = 0;
    for (ConnId c : waiters) {
      reply(c, 1, json_error(g.status().message()));
    }
    return;
  }
  waiters_.insert(waiters_.end(), waiters.begin(), waiters.end());
}

}  // namespace ckpt::coord
