// coordinator/barrier.h: one round (a checkpoint or a restart) seen as a series of generic
// barriers. The coordinator does not interpret barrier names (protocol.h): a barrier is
// complete when every participant has arrived, and for a restart round also when the
// expected number of restored processes has joined. The Round keeps the arrivals, the
// images reported with kWritten, the release times of every step and the deadline of the
// step in progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "coordinator/protocol.h"
#include "coordinator/transport.h"

namespace ckpt::coord {

using Clock = std::chrono::steady_clock;

enum class RoundKind { kCheckpoint, kRestart };

class Round {
 public:
  Round(RoundKind kind, uint64_t generation, uint32_t flags, Clock::time_point start,
        Clock::duration timeout);

  RoundKind kind() const { return kind_; }
  uint64_t generation() const { return generation_; }
  uint32_t flags() const { return flags_; }
  bool committed() const { return committed_; }
  Clock::time_point start() const { return start_; }
  Clock::time_point deadline() const { return deadline_; }

  // Restart rounds: barriers wait until this many participants exist.
  void set_expected(uint32_t n) { expected_ = n; }
  uint32_t expected() const { return expected_; }

  void add_participant(ConnId conn);
  void remove_participant(ConnId conn);
  // A participant that left after its image was written (it exited or exec'd once a forked
  // checkpoint let it run on): no longer waited for, its image stays in the round.
  void keep_written_of(ConnId conn);
  bool is_participant(ConnId conn) const { return participants_.count(conn) != 0; }
  const std::set<ConnId>& participants() const { return participants_; }

  // Records that `conn` reached barrier `name`. False if it was not a participant.
  bool arrive(ConnId conn, const std::string& name);
  // The barriers that are complete now, in the order they were first reached.
  std::vector<std::string> complete_barriers() const;
  // Forgets the arrivals of `name`, records its release time, restarts the step clock.
  void release(const std::string& name, Clock::time_point now);

  void record_written(ConnId conn, const proto::Written& written);
  bool all_written() const;
  const std::map<ConnId, proto::Written>& written() const { return written_; }
  void mark_committed(Clock::time_point now);

  // Participants holding up the step in progress: not waiting at a barrier and (before the
  // commit) not done writing.
  std::vector<ConnId> missing() const;
  // Name of the barrier the others wait at, or "" when none is pending.
  std::string pending_barrier() const;

  // Seconds since the round started, at each release ("committed" included), in order.
  const std::vector<std::pair<std::string, double>>& steps() const { return steps_; }
  double seconds_since_start(Clock::time_point now) const;

 private:
  bool is_complete(const std::unordered_set<ConnId>& arrived) const;

  RoundKind kind_;
  uint64_t generation_;
  uint32_t flags_;
  Clock::time_point start_;
  Clock::duration timeout_;
  Clock::time_point deadline_;
  uint32_t expected_ = 0;
  bool committed_ = false;
  std::set<ConnId> participants_;
  std::unordered_map<std::string, std::unordered_set<ConnId>> arrivals_;
  std::vector<std::string> arrival_order_;  // barrier names with arrivals, first reached first
  std::map<ConnId, proto::Written> written_;
  std::vector<std::pair<std::string, double>> steps_;
};

}  // namespace ckpt::coord
