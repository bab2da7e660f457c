// coordinator/session.h: the coordinator's state machine. It owns the members (RankTable),
// the round in progress (Round), the key-value store and the command clients, and reacts to
// the Transport's messages and to two timerfds (the periodic checkpoint interval and the
// deadline of the barrier step in progress). Implemented in concept files:
//   session.cc           connections, Hello/Welcome, member departure, key-value store
//   checkpoint_round.cc  checkpoint rounds: start, barriers, commit, abort, deadline
//   restart_round.cc     restart rounds (processes coming back with kHelloRestarted)
//   commands.cc          command clients: checkpoint, status JSON, kill, interval, quit
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "coordinator/barrier.h"
#include "coordinator/coordinator.h"
#include "coordinator/generation_index.h"
#include "coordinator/generation_store.h"
#include "coordinator/kv_store.h"
#include "coordinator/log.h"
#include "coordinator/protocol.h"
#include "coordinator/rank_table.h"
#include "coordinator/transport.h"

namespace ckpt::coord {

class Session : public TransportHandler {
 public:
  Session(const CoordinatorOptions& opts, Transport& transport, Log& log, int port);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Status start();  // creates the timers and registers with the transport
  bool finished() const { return finished_; }
  int exit_code() const { return exit_code_; }

  void on_message(ConnId conn, uint16_t type, std::string_view payload) override;
  void on_disconnect(ConnId conn) override;

 private:
  enum class ConnKind { kMember, kCommand };
  struct LastCheckpoint {
    uint64_t generation = 0;
    double seconds = 0;  // round start to commit
    std::vector<std::pair<std::string, double>> steps;
  };

  // session.cc
  void on_first_message(ConnId conn, uint16_t type, std::string_view payload);
  void on_hello(ConnId conn, const proto::Hello& hello);
  void on_member_message(ConnId conn, uint16_t type, std::string_view payload);
  void on_kv_put(ConnId conn, std::string_view payload);
  void on_kv_get(ConnId conn, std::string_view payload);
  void send_kv_value(ConnId conn, bool found, const std::string& key, const std::string& value);
  void member_left(ConnId conn);
  void adopt_job(const Member& m);
  bool secret_ok(const char* secret, size_t len) const;
  void send_abort(ConnId conn, const std::string& reason);
  void check_exit_on_last();
  void on_linger_timer();
  GenerationStore store() const { return GenerationStore(ckpt_dir_, job_id_); }
  std::string address() const;

  // checkpoint_round.cc
  Result<uint64_t> start_checkpoint(uint32_t flags);
  void on_barrier(ConnId conn, const std::string& name);
  void on_written(ConnId conn, const proto::Written& written);
  void on_member_failed(ConnId conn, const std::string& why);
  void release_complete_barriers();
  void release_barrier(const std::string& name);
  void commit_round();
  Result<IndexInfo> write_generation(const Round& round);
  IndexInfo build_index(const Round& round) const;
  void abort_round(const std::string& reason);
  void finish_round();
  void broadcast(uint16_t type, std::string_view payload);
  void on_deadline_timer();
  std::vector<std::string> describe_missing() const;
  const Member* round_member(ConnId conn) const;
  void keep_departed_image(ConnId conn, const Member& m);
  void arm_deadline();

  // restart_round.cc
  bool join_restart_round(ConnId conn, const Member& m);
  void join_checkpoint_round(ConnId conn, const Member& m);
  void abort_round_and_retry(const std::string& reason);  // round_retry.cc
  void on_retry_timer();
  void count_round_attempt();  // round_retry.cc
  uint32_t processes_in_generation(uint64_t generation, uint32_t said) const;
  std::string restart_timeout_reason() const;

  // commands.cc
  void on_command(ConnId conn, const proto::Command& cmd);
  void cmd_checkpoint(ConnId conn, const proto::Command& cmd);
  void cmd_kill(ConnId conn, bool quit);
  void cmd_interval(ConnId conn, int64_t seconds);
  void reply(ConnId conn, int32_t status, const std::string& json);
  std::string status_json() const;
  void answer_waiters(int32_t status, const std::string& json);
  Status set_interval(int seconds);
  void on_interval_timer();

  CoordinatorOptions opts_;
  Transport& transport_;
  Log& log_;
  int port_;
  std::string hostname_;
  std::string job_id_;
  std::string ckpt_dir_;
  bool stale_partials_checked_ = false;  // .partial directories of a dead coordinator removed
  int interval_s_ = 0;
  std::unordered_map<ConnId, ConnKind> kinds_;
  RankTable ranks_;
  KvStore kv_;
  std::optional<Round> round_;
  // Members that left the checkpoint round in progress after their image was written: their
  // rows are still needed for index.h5 (round_member).
  std::map<ConnId, Member> departed_;
  std::vector<ConnId> waiters_;  // `checkpoint --wait` clients of the round in progress
  uint64_t last_committed_ = 0;
  std::string last_generation_dir_;
  std::optional<LastCheckpoint> last_checkpoint_;
  int interval_fd_ = -1;
  int deadline_fd_ = -1;
  int linger_fd_ = -1;  // exit-on-last grace period (a process that execs reconnects)
  int retry_fd_ = -1;   // a round aborted for a late joiner starts again (round_retry.cc)
  uint32_t retry_flags_ = 0;
  int retries_ = 0;     // consecutive retries so far
  std::vector<ConnId> retry_waiters_;
  bool finished_ = false;
  int exit_code_ = 0;
};

}  // namespace ckpt::coord
