// coordinator/restart_round.cc: restart rounds. Each process restored by `ckpt restart`
// connects with kHelloRestarted carrying its generation G, the number N of processes in G,
// its vpid and the job id. The first one opens a restart round for G (job id and last
// committed generation taken from it); barrier "restart" is released only once N restored
// processes of G have arrived, then the generic barriers run until "resumed". If the N do
// not all come within the barrier timeout, the ones present get kAbort naming the vpids
// that are probably missing.
#include <algorithm>

#include "coordinator/generation_index.h"
#include "coordinator/messages.h"
#include "coordinator/session.h"
#include "coordinator/str_cat.h"

namespace ckpt::coord {

// Returns true if `conn` became a participant of the restart round of its generation.
bool Session::join_restart_round(ConnId conn, const Member& m) {
  if (round_ && round_->kind() == RoundKind::kCheckpoint) {
    abort_round(
        messages::restarted_joined_mid_checkpoint(describe_member(m), round_->generation()));
  }
  if (!round_) {
    last_committed_ = m.restart_generation;
    last_generation_dir_ = store().final_dir(m.restart_generation);
    round_.emplace(RoundKind::kRestart, m.restart_generation, 0, Clock::now(),
                   std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(opts_.barrier_timeout_s)));
    round_->set_expected(processes_in_generation(m.restart_generation, m.restart_nprocs));
    count_round_attempt();
    arm_deadline();
    log_.info(str_cat("restart round started: generation ", m.restart_generation, ", waiting for ",
                      m.restart_nprocs, " processes"));
  } else if (round_->generation() != m.restart_generation || !round_->steps().empty()) {
    log_.warn(str_cat("restarted process ", describe_member(m), " of generation ",
                      m.restart_generation, " does not belong to the restart round of generation ",
                      round_->generation(), " in progress; it runs without taking part"));
    return false;
  }
  if (m.restart_nprocs > round_->expected()) {
    log_.warn(str_cat(describe_member(m), " says generation ", m.restart_generation, " has ",
                      m.restart_nprocs, " processes, the round expects ", round_->expected()));
  }
  round_->add_participant(conn);
  release_complete_barriers();  // a participant count reached N may complete "restart"
  return true;
}

// The processes of a generation: its index.h5 lists every image (a process that joined the
// round late carries a larger count in its image header than the others); `said` (from
// the first restarted process) when the index cannot be read.
uint32_t Session::processes_in_generation(uint64_t generation, uint32_t said) const {
  Result<IndexInfo> index = read_generation_index(store().final_dir(generation) + "/index.h5");
  if (!index.is_ok() || index.value().rows.empty()) {
    return said;
  }
  return std::max(said, static_cast<uint32_t>(index.value().rows.size()));
}

std::string Session::restart_timeout_reason() const {
  std::vector<int32_t> seen;
  for (ConnId c : round_->participants()) {
    const Member* m = ranks_.find(c);
    if (m != nullptr) {
      seen.push_back(m->vpid);
    }
  }
  std::sort(seen.begin(), seen.end());
  return messages::restart_incomplete(round_->generation(), round_->expected(), seen,
                                      opts_.barrier_timeout_s);
}

}  // namespace ckpt::coord
