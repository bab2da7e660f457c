// coordinator/checkpoint_round.cc: checkpoint rounds (DESIGN.md sections 3, 5 and 7). Start:
// choose the generation, create its .partial directory, send kCheckpoint to every member.
// Generic barriers are released when every participant arrived. When every participant
// reported kWritten the generation is committed (index.h5, restart.sh, rename, `latest`),
// then kCommitted lets the members continue to "resumed", which ends the round. A step that
// misses its deadline, a participant that leaves before the commit, or a failed commit
// aborts the round: kAbort to everyone, the .partial directory removed, the previous
// generation untouched.
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "coordinator/json_writer.h"
#include "coordinator/messages.h"
#include "coordinator/restart_script.h"
#include "coordinator/session.h"
#include "coordinator/str_cat.h"
#include "coordinator/wire_codec.h"

#ifndef CKPT_VERSION_STRING
#define CKPT_VERSION_STRING "unknown"
#endif

namespace ckpt::coord {

namespace {

Clock::duration seconds_to_duration(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

int64_t realtime_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

Result<uint64_t> Session::start_checkpoint(uint32_t flags) {
  if (round_) {
    return Status(Code::kUnavailable, messages::round_running(round_->kind() == RoundKind::kRestart,
                                                              round_->generation()));
  }
  if (ranks_.size() == 0) {
    return Status(Code::kUnavailable, messages::no_members());
  }
  GenerationStore gs = store();
  uint64_t generation = std::max(last_committed_, gs.highest_on_disk()) + 1;
  std::string dir = gs.partial_dir(generation);
  proto::Checkpoint msg{};
  if (dir.size() >= sizeof msg.dir) {
    return Status(Code::kInvalid, messages::cannot_create_dir(dir + ": path too long"));
  }
  Status st = gs.create_partial(generation);
  if (!st.is_ok()) {
    return Status(st.code(), messages::cannot_create_dir(st.message()));
  }
  round_.emplace(RoundKind::kCheckpoint, generation, flags, Clock::now(),
                 seconds_to_duration(opts_.barrier_timeout_s));
  for (ConnId c : ranks_.conns()) {
    round_->add_participant(c);
  }
  msg.generation = generation;
  msg.flags = flags;
  msg.nprocs = static_cast<uint32_t>(round_->participants().size());
  set_fixed(msg.dir, dir);
  count_round_attempt();
  broadcast(proto::kCheckpoint, as_bytes(msg));
  arm_deadline();
  log_.info(str_cat("checkpoint round started: generation ", generation, ", ", msg.nprocs,
                    " processes, dir ", dir,
                    (flags & proto::kCkptKillAfter) ? " (kill after commit)" : ""));
  return generation;
}

// A process that joins while a checkpoint round runs (typically a child forked or a program
// exec'd just before it) belongs in the generation, since its parent's image counts it. Before the first barrier is released it
// becomes a participant; once the round is further on, the round is aborted rather than
// commit a generation without it, and started again (round_retry.cc).
void Session::join_checkpoint_round(ConnId conn, const Member& m) {
  if (!round_ || round_->kind() != RoundKind::kCheckpoint || round_->committed()) {
    return;
  }
  if (!round_->steps().empty()) {
    abort_round_and_retry(messages::joined_mid_checkpoint(describe_member(m), round_->generation()));
    return;
  }
  round_->add_participant(conn);
  proto::Checkpoint msg{};
  msg.generation = round_->generation();
  msg.flags = round_->flags();
  msg.nprocs = static_cast<uint32_t>(round_->participants().size());
  set_fixed(msg.dir, store().partial_dir(round_->generation()));
  transport_.send(conn, proto::kCheckpoint, as_bytes(msg));
  log_.info(str_cat(describe_member(m), " joined the checkpoint round of generation ",
                    round_->generation(), " (", msg.nprocs, " processes)"));
}

void Session::broadcast(uint16_t type, std::string_view payload) {
  if (!round_) {
    return;
  }
  for (ConnId c : round_->participants()) {
    transport_.send(c, type, payload);
  }
}

void Session::on_barrier(ConnId conn, const std::string& name) {
  Member* m = ranks_.find(conn);
  if (!round_ || !round_->arrive(conn, name)) {
    log_.debug(
        str_cat("barrier '", name, "' from ", describe_member(*m), " outside its round; ignored"));
    return;
  }
  m->last_step = name;
  release_complete_barriers();
}

void Session::release_complete_barriers() {
  while (round_) {
    std::vector<std::string> done = round_->complete_barriers();
    if (done.empty()) {
      return;
    }
    release_barrier(done.front());
  }
}

void Session::release_barrier(const std::string& name) {
  Clock::time_point now = Clock::now();
  double step_ms = std::chrono::duration<double, std::milli>(
                       now - (round_->deadline() - seconds_to_duration(opts_.barrier_timeout_s)))
                       .count();
  round_->release(name, now);
  proto::Barrier b{};
  set_fixed(b.name, name);
  broadcast(proto::kRelease, as_bytes(b));
  log_.info(str_cat("barrier '", name, "' released: generation ", round_->generation(), ", ",
                    round_->participants().size(), " processes, ", static_cast<int64_t>(step_ms),
                    " ms"));
  if (round_->kind() == RoundKind::kCheckpoint && last_checkpoint_ &&
      last_checkpoint_->generation == round_->generation()) {
    last_checkpoint_->steps = round_->steps();
  }
  if (name == "resumed") {
    finish_round();
  } else {
    arm_deadline();
  }
}

void Session::on_written(ConnId conn, const proto::Written& written) {
  Member* m = ranks_.find(conn);
  if (!round_ || round_->kind() != RoundKind::kCheckpoint || round_->committed() ||
      !round_->is_participant(conn)) {
    log_.warn(str_cat("image report from ", describe_member(*m), " outside a checkpoint; ignored"));
    return;
  }
  round_->record_written(conn, written);
  m->last_step = "written";
  log_.debug(str_cat("image written by ", describe_member(*m), ": ",
                     fixed_string(written.image_name), ", ", written.size, " bytes"));
  if (round_->all_written()) {
    commit_round();
  }
}

// A participant reported with kAbort that it cannot complete the round.
void Session::on_member_failed(ConnId conn, const std::string& why) {
  Member* m = ranks_.find(conn);
  if (!round_ || !round_->is_participant(conn) ||
      (round_->kind() == RoundKind::kCheckpoint && round_->committed())) {
    log_.warn(str_cat(describe_member(*m), " reported a failure outside a round: ", why));
    return;
  }
  abort_round(messages::member_failed(describe_member(*m), why, round_->generation()));
}

IndexInfo Session::build_index(const Round& round) const {
  IndexInfo info;
  info.job_id = job_id_;
  info.generation = round.generation();
  info.time_ns = realtime_ns();
  info.coordinator = address();
  info.version = CKPT_VERSION_STRING;
  std::set<std::string> hosts;
  for (const auto& [conn, w] : round.written()) {
    const Member* m = round_member(conn);
    IndexRow r;
    r.vpid = m->vpid;
    r.parent_vpid = m->parent_vpid;
    r.pid = m->pid;
    r.mpi_rank = m->mpi_rank;
    r.host = m->host;
    r.program = m->program;
    r.image = fixed_string(w.image_name);
    r.size = w.size;
    r.checksum = w.checksum;
    r.nthreads = w.nthreads;
    r.plugins = fixed_string(w.plugins);
    uint64_t ref = w.oldest_referenced_generation;
    if (ref != 0 && (info.oldest_referenced_generation == 0 || ref < info.oldest_referenced_generation)) {
      info.oldest_referenced_generation = ref;
    }
    info.rows.push_back(std::move(r));
    hosts.insert(m->host);
  }
  std::sort(info.rows.begin(), info.rows.end(),
            [](const IndexRow& a, const IndexRow& b) { return a.vpid < b.vpid; });
  const char* own = getenv("CKPT_HWLOC_SUMMARY");
  for (const std::string& host : hosts) {
    std::optional<std::string> kv = kv_.get("hwloc:" + host);
    std::string summary = kv ? *kv : (host == hostname_ && own != nullptr) ? own : "";
    info.topology.emplace_back(host, summary);
  }
  return info;
}

// Checks the reported images, writes index.h5 and commits the directory.
Result<IndexInfo> Session::write_generation(const Round& round) {
  GenerationStore gs = store();
  std::string partial = gs.partial_dir(round.generation());
  IndexInfo info = build_index(round);
  for (const IndexRow& r : info.rows) {
    struct stat st;
    std::string path = partial + "/" + r.image;
    if (r.image.empty() || r.image.find('/') != std::string::npos || stat(path.c_str(), &st) != 0) {
      return Status(Code::kNotFound, str_cat("image of vpid ", r.vpid, " missing: ", path));
    }
    if (static_cast<uint64_t>(st.st_size) != r.size) {
      return Status(Code::kCorrupt, str_cat("image ", path, " has ", st.st_size,
                                            " bytes, its process reported ", r.size));
    }
  }
  CKPT_TRY(write_generation_index(partial + "/index.h5", info));
  CKPT_TRY(gs.commit(round.generation(), restart_script_text(info, ckpt_binary_path())));
  return info;
}

void Session::commit_round() {
  Result<IndexInfo> written = write_generation(*round_);
  if (!written.is_ok()) {
    abort_round(messages::commit_failed(round_->generation(), written.status().message()));
    return;
  }
  Clock::time_point now = Clock::now();
  uint64_t generation = round_->generation();
  GenerationStore gs = store();
  round_->mark_committed(now);
  retries_ = 0;
  last_committed_ = generation;
  last_generation_dir_ = gs.final_dir(generation);
  uint64_t bytes = 0;
  for (const IndexRow& r : written.value().rows) {
    bytes += r.size;
  }
  double seconds = round_->seconds_since_start(now);
  last_checkpoint_ = LastCheckpoint{generation, seconds, round_->steps()};
  log_.info(str_cat("generation ", generation, " committed: ", last_generation_dir_, ", ",
                    written.value().rows.size(), " images, ", bytes, " bytes, ", seconds, " s"));
  for (const std::string& name : gs.prune(opts_.keep, generation)) {
    log_.info("pruned " + gs.job_dir() + "/" + name);
  }
  proto::Committed c{};
  c.generation = generation;
  c.flags = round_->flags();
  set_fixed(c.dir, last_generation_dir_);
  broadcast(proto::kCommitted, as_bytes(c));
  JsonWriter w;
  w.begin_object().key("generation").num_u(generation).key("dir").str(last_generation_dir_);
  w.key("images").num_u(written.value().rows.size()).key("bytes").num_u(bytes);
  w.key("seconds").num_d(seconds).end_object();
  answer_waiters(0, w.text());
  arm_deadline();
}

void Session::abort_round(const std::string& reason) {
  if (!round_) {
    return;
  }
  log_.error(str_cat(round_->kind() == RoundKind::kRestart ? "restart" : "checkpoint",
                     " of generation ", round_->generation(), " aborted: ", reason));
  if (round_->kind() == RoundKind::kCheckpoint && !round_->committed()) {
    store().remove_partial(round_->generation());  // before anyone hears of the abort
  }
  proto::Abort a{};
  set_fixed(a.reason, reason);
  broadcast(proto::kAbort, as_bytes(a));
  answer_waiters(1, json_error(reason));
  finish_round();
}

void Session::finish_round() {
  if (!round_) {
    return;
  }
  log_.info(str_cat(round_->kind() == RoundKind::kRestart ? "restart" : "checkpoint",
                    " round of generation ", round_->generation(), " finished"));
  round_.reset();
  departed_.clear();
  ranks_.clear_steps();
  answer_waiters(1, json_error("the round ended before its generation was committed"));
  struct itimerspec off {};
  timerfd_settime(deadline_fd_, 0, &off, nullptr);
}

void Session::arm_deadline() {
  if (!round_) {
    return;
  }
  auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(round_->deadline().time_since_epoch())
          .count();
  struct itimerspec its {};
  its.it_value.tv_sec = ns / 1000000000;
  its.it_value.tv_nsec = ns % 1000000000;
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) {
    its.it_value.tv_nsec = 1;
  }
  timerfd_settime(deadline_fd_, TFD_TIMER_ABSTIME, &its, nullptr);
}

const Member* Session::round_member(ConnId conn) const {
  const Member* m = ranks_.find(conn);
  auto it = departed_.find(conn);
  return m != nullptr ? m : it != departed_.end() ? &it->second : nullptr;
}

// A member whose image is written left before the commit: a program that exits or execs
// right after a forked checkpoint let it run on (a compiler in a build). The generation
// holds the process as it was when it stopped.
void Session::keep_departed_image(ConnId conn, const Member& m) {
  departed_[conn] = m;
  round_->keep_written_of(conn);
  log_.info(str_cat(describe_member(m), " left after its image was written; the image stays "
                    "in generation ", round_->generation()));
  if (round_->all_written()) {
    commit_round();
  } else {
    release_complete_barriers();
  }
  if (round_ && round_->participants().empty()) {
    finish_round();  // nobody is left to reach the remaining barriers
  }
}

std::vector<std::string> Session::describe_missing() const {
  std::vector<std::string> out;
  for (ConnId c : round_->missing()) {
    const Member* m = ranks_.find(c);
    if (m != nullptr) {
      out.push_back(describe_member(*m) + ", last step '" +
                    (m->last_step.empty() ? std::string("none") : m->last_step) + "'");
    }
  }
  return out;
}

void Session::on_deadline_timer() {
  uint64_t expirations;
  ssize_t n = read(deadline_fd_, &expirations, sizeof expirations);
  (void)n;
  if (!round_) {
    return;
  }
  if (Clock::now() < round_->deadline()) {
    arm_deadline();  // re-armed since it fired
    return;
  }
  if (round_->kind() == RoundKind::kRestart && round_->steps().empty() &&
      round_->participants().size() < round_->expected()) {
    abort_round(restart_timeout_reason());
    return;
  }
  std::string step = round_->pending_barrier();
  if (step.empty()) {
    std::string last = round_->steps().empty() ? "" : round_->steps().back().first;
    bool writing = !round_->committed() && (last == "drain" || !round_->written().empty());
    step = writing ? "write image" : last.empty() ? "first barrier" : "step after '" + last + "'";
  }
  abort_round(messages::barrier_timeout(step, opts_.barrier_timeout_s, describe_missing()));
}

}  // namespace ckpt::coord
