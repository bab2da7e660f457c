#include "coordinator/session.h"

#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "coordinator/messages.h"
#include "coordinator/str_cat.h"
#include "coordinator/wire_codec.h"

namespace ckpt::coord {

namespace {

constexpr long kExitOnLastGraceMs = 1500;

std::string local_hostname() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) {
    return "localhost";
  }
  return buf;
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string program_base(const std::string& program) {
  size_t slash = program.rfind('/');
  std::string base = slash == std::string::npos ? program : program.substr(slash + 1);
  return base.empty() ? std::string("job") : base;
}

std::string generated_job_id(const Member& m) {
  time_t now = time(nullptr);
  struct tm tm;
  localtime_r(&now, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
  return str_cat(program_base(m.program), "-", stamp, "-", m.pid);
}

}  // namespace

Session::Session(const CoordinatorOptions& opts, Transport& transport, Log& log, int port)
    : opts_(opts),
      transport_(transport),
      log_(log),
      port_(port),
      hostname_(local_hostname()),
      job_id_(opts.job_id),
      interval_s_(opts.interval_s) {
  if (!opts.ckpt_dir.empty()) {
    ckpt_dir_ = absolute_path(opts.ckpt_dir);
  }
}

Session::~Session() {
  for (int fd : {interval_fd_, deadline_fd_, linger_fd_, retry_fd_}) {
    if (fd >= 0) {
      transport_.unwatch_fd(fd);
      close(fd);
    }
  }
}

Status Session::start() {
  interval_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  deadline_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  linger_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  retry_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (interval_fd_ < 0 || deadline_fd_ < 0 || linger_fd_ < 0 || retry_fd_ < 0) {
    return Status::from_errno(Code::kIo, "timerfd_create");
  }
  CKPT_TRY(transport_.watch_fd(interval_fd_, [this] { on_interval_timer(); }));
  CKPT_TRY(transport_.watch_fd(deadline_fd_, [this] { on_deadline_timer(); }));
  CKPT_TRY(transport_.watch_fd(linger_fd_, [this] { on_linger_timer(); }));
  CKPT_TRY(transport_.watch_fd(retry_fd_, [this] { on_retry_timer(); }));
  transport_.set_handler(this);
  return set_interval(interval_s_);
}

std::string Session::address() const { return hostname_ + ":" + std::to_string(port_); }

void Session::on_message(ConnId conn, uint16_t type, std::string_view payload) {
  auto it = kinds_.find(conn);
  if (it == kinds_.end()) {
    on_first_message(conn, type, payload);
  } else if (it->second == ConnKind::kMember) {
    on_member_message(conn, type, payload);
  } else {
    log_.debug(str_cat("command client ", transport_.peer_address(conn),
                       " sent a second message; closing"));
    transport_.close(conn);
    kinds_.erase(conn);
  }
}

// The first message classifies a connection: kHello = member, kCommand = command client.
void Session::on_first_message(ConnId conn, uint16_t type, std::string_view payload) {
  if (type == proto::kHello) {
    on_hello(conn, decode_payload<proto::Hello>(payload));
  } else if (type == proto::kCommand) {
    kinds_[conn] = ConnKind::kCommand;
    on_command(conn, decode_payload<proto::Command>(payload));
  } else {
    log_.warn(str_cat("connection from ", transport_.peer_address(conn),
                      " opened with message type ", type, "; closing"));
    transport_.close(conn);
  }
}

bool Session::secret_ok(const char* secret, size_t len) const {
  if (opts_.secret.empty()) {
    return true;
  }
  std::string expected = opts_.secret.substr(0, len - 1);
  std::string given(secret, strnlen(secret, len));
  unsigned diff = expected.size() ^ given.size();
  for (size_t i = 0; i < len - 1; ++i) {  // constant time over the whole field
    char a = i < expected.size() ? expected[i] : 0;
    char b = i < given.size() ? given[i] : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0;
}

void Session::send_abort(ConnId conn, const std::string& reason) {
  proto::Abort a{};
  set_fixed(a.reason, reason);
  transport_.send(conn, proto::kAbort, as_bytes(a));
}

void Session::on_hello(ConnId conn, const proto::Hello& hello) {
  if (!secret_ok(hello.secret, sizeof hello.secret)) {
    log_.warn(str_cat("rejected process from ", transport_.peer_address(conn), " (pid ", hello.pid,
                      "): wrong secret"));
    send_abort(conn, messages::bad_secret());
    transport_.close_after_flush(conn);
    return;
  }
  kinds_[conn] = ConnKind::kMember;
  struct itimerspec off {};
  timerfd_settime(linger_fd_, 0, &off, nullptr);  // a member is back: no exit-on-last
  const Member& m = ranks_.add(conn, hello);
  if (m.restarted) {
    if (ranks_.find_vpid(m.vpid, conn) != nullptr) {
      log_.warn(
          str_cat("restarted process ", describe_member(m), " has the vpid of a live member"));
    }
    job_id_ = m.job_id.empty() ? job_id_ : m.job_id;
  }
  adopt_job(m);
  if (m.restarted) {
    join_restart_round(conn, m);
  }
  proto::Welcome w{};
  w.vpid = m.vpid;
  w.barrier_timeout_ms = static_cast<uint32_t>(std::llround(opts_.barrier_timeout_s * 1000));
  w.generation = last_committed_;
  set_fixed(w.job_id, job_id_);
  transport_.send(conn, proto::kWelcome, as_bytes(w));
  log_.info(str_cat("member joined: ", describe_member(m), m.restarted ? " [restarted]" : "",
                    " from ", transport_.peer_address(conn), " (", ranks_.size(), " members)"));
  if (!m.restarted) {
    join_checkpoint_round(conn, m);
  }
}

// The first member settles the job id and the checkpoint directory if options did not.
void Session::adopt_job(const Member& m) {
  if (job_id_.empty()) {
    const char* slurm = getenv("SLURM_JOB_ID");
    job_id_ = !m.job_id.empty()                        ? m.job_id
              : (slurm != nullptr && slurm[0] != '\0') ? std::string(slurm)
                                                       : generated_job_id(m);
    log_.info("job id: " + job_id_);
  }
  if (ckpt_dir_.empty()) {
    ckpt_dir_ = !m.ckpt_dir.empty() ? absolute_path(m.ckpt_dir) : absolute_path(".");
    log_.info("checkpoint directory: " + ckpt_dir_);
  }
  if (!stale_partials_checked_) {
    stale_partials_checked_ = true;
    GenerationStore gs = store();
    for (uint64_t g : gs.discard_stale_partials()) {
      log_.warn(messages::stale_partial(g, gs.partial_dir(g)));
    }
  }
}

void Session::on_member_message(ConnId conn, uint16_t type, std::string_view payload) {
  switch (type) {
    case proto::kBarrier:
      on_barrier(conn, fixed_string(decode_payload<proto::Barrier>(payload).name));
      break;
    case proto::kWritten:
      on_written(conn, decode_payload<proto::Written>(payload));
      break;
    case proto::kKvPut:
      on_kv_put(conn, payload);
      break;
    case proto::kKvGet:
      on_kv_get(conn, payload);
      break;
    case proto::kAbort:  // a process could not take part (e.g. its image write failed)
      on_member_failed(conn, fixed_string(decode_payload<proto::Abort>(payload).reason));
      break;
    default:
      log_.warn(str_cat("member ", describe_member(*ranks_.find(conn)),
                        " sent unexpected message type ", type, "; ignored"));
  }
}

void Session::on_kv_put(ConnId conn, std::string_view payload) {
  auto kv = decode_payload<proto::KvPut>(payload);
  if (payload.size() < sizeof kv ||
      payload.size() - sizeof kv < static_cast<uint64_t>(kv.key_len) + kv.value_len) {
    log_.warn("malformed key-value put from " + describe_member(*ranks_.find(conn)));
    return;
  }
  std::string key(payload.substr(sizeof kv, kv.key_len));
  std::string value(payload.substr(sizeof kv + kv.key_len, kv.value_len));
  Result<std::string> r = kv_.put(kv.op, key, value);
  if (!r.is_ok()) {
    log_.warn(describe_member(*ranks_.find(conn)) + ": " + r.status().message());
    send_kv_value(conn, false, key, "");
    return;
  }
  if (kv.op != proto::kKvSet) {
    send_kv_value(conn, true, key, r.value());
  }
}

void Session::on_kv_get(ConnId conn, std::string_view payload) {
  auto kv = decode_payload<proto::KvPut>(payload);
  if (payload.size() < sizeof kv || payload.size() - sizeof kv < kv.key_len) {
    log_.warn("malformed key-value get from " + describe_member(*ranks_.find(conn)));
    return;
  }
  std::string key(payload.substr(sizeof kv, kv.key_len));
  std::optional<std::string> value = kv_.get(key);
  send_kv_value(conn, value.has_value(), key, value.value_or(""));
}

void Session::send_kv_value(ConnId conn, bool found, const std::string& key,
                            const std::string& value) {
  proto::KvPut h{};
  h.op = found ? 1 : 0;
  h.key_len = static_cast<uint32_t>(key.size());
  h.value_len = static_cast<uint32_t>(value.size());
  transport_.send(conn, proto::kKvValue, as_bytes(h), key + value);
}

void Session::on_disconnect(ConnId conn) {
  auto it = kinds_.find(conn);
  if (it == kinds_.end()) {
    return;
  }
  ConnKind kind = it->second;
  kinds_.erase(it);
  if (kind == ConnKind::kCommand) {
    std::erase(waiters_, conn);
    std::erase(retry_waiters_, conn);  // gone during the delay before a retried round
    return;
  }
  member_left(conn);
}

void Session::member_left(ConnId conn) {
  const Member* found = ranks_.find(conn);
  if (found == nullptr) {
    return;
  }
  Member m = *found;
  ranks_.remove(conn);
  log_.info(str_cat("member left: ", describe_member(m), " (", ranks_.size(), " members)"));
  if (round_ && round_->is_participant(conn)) {
    bool before_commit = round_->kind() == RoundKind::kCheckpoint && !round_->committed();
    bool restart_pending = round_->kind() == RoundKind::kRestart && round_->steps().empty();
    std::string why =
        messages::member_disconnected(describe_member(m), m.last_step, round_->generation());
    if (before_commit && round_->written().count(conn) != 0) {
      keep_departed_image(conn, m);
    } else if (before_commit && m.last_step.empty()) {
      // It exited or exec'd before it stopped (a compiler in a build): taken again later.
      abort_round_and_retry(why);
    } else if (before_commit || restart_pending) {
      abort_round(why);
    } else {
      round_->remove_participant(conn);
      if (round_->participants().empty()) {
        finish_round();
      } else {
        release_complete_barriers();
      }
    }
  }
  check_exit_on_last();
}

// A process that execs drops its connection and reconnects from the new image a moment
// later, so the coordinator waits kExitOnLastGraceMs before believing it is alone.
void Session::check_exit_on_last() {
  if (opts_.exit_on_last && ranks_.ever_joined() && ranks_.size() == 0 && !finished_) {
    struct itimerspec its {};
    its.it_value.tv_sec = kExitOnLastGraceMs / 1000;
    its.it_value.tv_nsec = (kExitOnLastGraceMs % 1000) * 1000000L;
    timerfd_settime(linger_fd_, 0, &its, nullptr);
  }
}

void Session::on_linger_timer() {
  uint64_t expirations;
  ssize_t n = read(linger_fd_, &expirations, sizeof expirations);
  (void)n;
  if (opts_.exit_on_last && ranks_.size() == 0 && !finished_) {
    log_.info("last member left; exiting (--exit-on-last)");
    finished_ = true;
  }
}

}  // namespace ckpt::coord
