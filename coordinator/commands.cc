// coordinator/commands.cc: command clients (`ckpt checkpoint/status/kill/interval/quit`).
// A client sends one kCommand and gets one kReply (status 0 = ok, JSON text), then the
// coordinator closes the connection; `checkpoint --wait` clients are answered when the
// round commits or fails. Also the periodic checkpoint timer.
#include <sys/timerfd.h>
#include <unistd.h>

#include <climits>
#include <utility>

#include "coordinator/json_writer.h"
#include "coordinator/messages.h"
#include "coordinator/session.h"
#include "coordinator/str_cat.h"
#include "coordinator/wire_codec.h"

namespace ckpt::coord {

namespace {

// The per-checkpoint modes of a command, as Checkpoint::flags (protocol.h).
uint32_t checkpoint_flags(uint32_t command_flags) {
  static constexpr std::pair<uint32_t, uint32_t> kMap[] = {
      {proto::kCmdKillAfter, proto::kCkptKillAfter},
      {proto::kCmdForked, proto::kCkptForked},
      {proto::kCmdIncremental, proto::kCkptIncremental},
      {proto::kCmdCompress, proto::kCkptCompress},
      {proto::kCmdCompressLz4, proto::kCkptCompress | proto::kCkptCompressLz4},
  };
  uint32_t flags = 0;
  for (const auto& [cmd_bit, ckpt_bit] : kMap) {
    flags |= (command_flags & cmd_bit) != 0 ? ckpt_bit : 0u;
  }
  return flags;
}

}  // namespace

void Session::on_command(ConnId conn, const proto::Command& cmd) {
  if (!secret_ok(cmd.secret, sizeof cmd.secret)) {
    log_.warn("rejected command from " + transport_.peer_address(conn) + ": wrong secret");
    reply(conn, 1, json_error(messages::bad_secret()));
    return;
  }
  switch (cmd.code) {
    case proto::kCmdCheckpoint:
      cmd_checkpoint(conn, cmd);
      break;
    case proto::kCmdStatus:
      reply(conn, 0, status_json());
      break;
    case proto::kCmdKill:
      cmd_kill(conn, false);
      break;
    case proto::kCmdInterval:
      cmd_interval(conn, cmd.arg);
      break;
    case proto::kCmdQuit:
      cmd_kill(conn, true);
      break;
    default:
      reply(conn, 1, json_error(messages::unknown_command(cmd.code)));
  }
}

void Session::reply(ConnId conn, int32_t status, const std::string& json) {
  proto::Reply r{};
  r.status = status;
  r.text_len = static_cast<uint32_t>(json.size());
  transport_.send(conn, proto::kReply, as_bytes(r), json);
  transport_.close_after_flush(conn);
  kinds_.erase(conn);
}

void Session::answer_waiters(int32_t status, const std::string& json) {
  std::vector<ConnId> waiters;
  waiters.swap(waiters_);
  for (ConnId c : waiters) {
    reply(c, status, json);
  }
}

void Session::cmd_checkpoint(ConnId conn, const proto::Command& cmd) {
  uint32_t flags = checkpoint_flags(cmd.flags);
  log_.info(str_cat("checkpoint requested by ", transport_.peer_address(conn),
                    (cmd.flags & proto::kCmdWait) ? " (wait)" : ""));
  Result<uint64_t> g = start_checkpoint(flags);
  if (!g.is_ok()) {
    log_.warn("checkpoint refused: " + g.status().message());
    reply(conn, 1, json_error(g.status().message()));
    return;
  }
  if (cmd.flags & proto::kCmdWait) {
    waiters_.push_back(conn);
    return;
  }
  JsonWriter w;
  w.begin_object().key("started").boolean(true).key("generation").num_u(g.value()).end_object();
  reply(conn, 0, w.text());
}

void Session::cmd_kill(ConnId conn, bool quit) {
  if (round_ && !(round_->kind() == RoundKind::kCheckpoint && round_->committed())) {
    abort_round(quit ? messages::coordinator_quitting() : messages::killed_by_command());
  }
  size_t killed = 0;
  for (ConnId c : ranks_.conns()) {
    killed += transport_.send(c, proto::kKill, {}) ? 1 : 0;
  }
  log_.info(str_cat(quit ? "quit" : "kill", " requested by ", transport_.peer_address(conn),
                    ": sent kill to ", killed, " members"));
  JsonWriter w;
  w.begin_object().key("killed").num_u(killed);
  if (quit) {
    w.key("quit").boolean(true);
  }
  w.end_object();
  reply(conn, 0, w.text());
  if (quit) {
    finished_ = true;
    exit_code_ = 0;
  }
}

void Session::cmd_interval(ConnId conn, int64_t seconds) {
  if (seconds < 0 || seconds > INT32_MAX) {
    reply(conn, 1, json_error(messages::bad_interval(seconds)));
    return;
  }
  Status st = set_interval(static_cast<int>(seconds));
  if (!st.is_ok()) {
    reply(conn, 1, json_error(st.message()));
    return;
  }
  log_.info(str_cat("checkpoint interval set to ", seconds, " s", seconds == 0 ? " (off)" : ""));
  JsonWriter w;
  w.begin_object().key("interval").num(seconds).end_object();
  reply(conn, 0, w.text());
}

Status Session::set_interval(int seconds) {
  interval_s_ = seconds;
  struct itimerspec its {};
  its.it_value.tv_sec = seconds;
  its.it_interval.tv_sec = seconds;
  if (timerfd_settime(interval_fd_, 0, &its, nullptr) != 0) {
    return Status::from_errno(Code::kIo, "timerfd_settime(interval)");
  }
  return Status::ok();
}

void Session::on_interval_timer() {
  uint64_t expirations;
  ssize_t n = read(interval_fd_, &expirations, sizeof expirations);
  (void)n;
  if (round_ || ranks_.size() == 0) {
    log_.debug("periodic checkpoint skipped: round in progress or no members");
    return;
  }
  Result<uint64_t> g = start_checkpoint(0);
  if (!g.is_ok()) {
    log_.warn("periodic checkpoint failed to start: " + g.status().message());
  }
}

std::string Session::status_json() const {
  JsonWriter w;
  const char* state = !round_                                 ? "idle"
                      : round_->kind() == RoundKind::kRestart ? "restarting"
                                                              : "checkpointing";
  w.begin_object().key("coordinator").str(address()).key("job_id").str(job_id_);
  w.key("state").str(state).key("generation").num_u(last_committed_);
  w.key("last_generation_dir").str(last_generation_dir_).key("ckptdir").str(ckpt_dir_);
  w.key("interval").num(interval_s_).key("barrier_timeout").num_d(opts_.barrier_timeout_s);
  w.key("members").begin_array();
  for (const Member* m : ranks_.sorted_by_vpid()) {
    bool in_round = round_ && round_->is_participant(m->conn) && !m->last_step.empty();
    w.begin_object().key("vpid").num(m->vpid).key("pid").num(m->pid).key("host").str(m->host);
    w.key("program").str(m->program).key("state").str(in_round ? m->last_step : "running");
    w.key("restarted").boolean(m->restarted).key("modes").begin_array();
    for (const auto& [bit, name] : {std::pair{proto::kCkptForked, "forked"},
                                    std::pair{proto::kCkptIncremental, "incremental"},
                                    std::pair{proto::kCkptCompress, "compress"},
                                    std::pair{proto::kCkptCompressLz4, "lz4"}}) {
      if ((m->modes & bit) != 0) w.str(name);
    }
    w.end_array().end_object();
  }
  w.end_array().key("last_checkpoint");
  if (!last_checkpoint_) {
    w.null();
  } else {
    w.begin_object().key("generation").num_u(last_checkpoint_->generation);
    w.key("seconds").num_d(last_checkpoint_->seconds).key("steps").begin_object();
    for (const auto& [name, s] : last_checkpoint_->steps) {
      w.key(name).num_d(s);
    }
    w.end_object().end_object();
  }
  w.end_object();
  return w.text();
}

}  // namespace ckpt::coord
