#include "coordinator/messages.h"

#include <algorithm>

#include "coordinator/str_cat.h"

namespace ckpt::coord::messages {

namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const std::string& s : items) {
    out += (out.empty() ? "" : sep) + s;
  }
  return out;
}

std::string join_vpids(const std::vector<int32_t>& vpids) {
  std::vector<std::string> parts;
  for (int32_t v : vpids) {
    parts.push_back(std::to_string(v));
  }
  return parts.empty() ? std::string("none") : join(parts, ", ");
}

}  // namespace

std::string barrier_timeout(const std::string& step, double timeout_s,
                            const std::vector<std::string>& missing) {
  return str_cat("checkpoint step '", step, "' did not complete within ", timeout_s,
                 " s; missing: ", join(missing, "; "),
                 ". The previous generation is untouched; check those processes (stopped, "
                 "blocked in a system call, or overloaded) or raise --barrier-timeout.");
}

std::string member_disconnected(const std::string& member, const std::string& step,
                                uint64_t generation) {
  return str_cat(member, " disconnected during the checkpoint of generation ", generation,
                 " (last step: ", step.empty() ? "none" : step,
                 "). The generation was abandoned; the previous one is untouched.");
}

std::string member_failed(const std::string& member, const std::string& why, uint64_t generation) {
  return str_cat(member, " could not complete the checkpoint of generation ", generation, ": ", why,
                 ". The generation was abandoned; the previous one is untouched.");
}

std::string stale_partial(uint64_t generation, const std::string& dir) {
  return str_cat("generation ", generation, " aborted: its round never committed (the coordinator ",
                 "serving it ended during the round, e.g. killed with the job); removed ", dir,
                 ". Restart uses the newest committed generation.");
}

std::string commit_failed(uint64_t generation, const std::string& why) {
  return str_cat("committing generation ", generation, " failed: ", why,
                 ". The previous generation is untouched; check the checkpoint directory "
                 "(space, permissions) and retry.");
}

std::string restart_incomplete(uint64_t generation, uint32_t expected,
                               const std::vector<int32_t>& seen, double timeout_s) {
  std::vector<int32_t> missing;
  for (int32_t v = 1; v <= static_cast<int32_t>(expected); ++v) {
    if (std::find(seen.begin(), seen.end(), v) == seen.end()) {
      missing.push_back(v);
    }
  }
  return str_cat("restart of generation ", generation, ": only ", seen.size(), " of ", expected,
                 " processes reconnected within ", timeout_s, " s (vpids seen: ", join_vpids(seen),
                 "; probably missing: ", join_vpids(missing),
                 "). Check that every image of the generation was restarted.");
}

std::string joined_mid_checkpoint(const std::string& member, uint64_t generation) {
  return str_cat(member, " started while generation ", generation,
                 " was being taken, too late to be in it; the round is aborted so that no "
                 "generation misses a process");
}

std::string retries_exhausted(int retries) {
  return str_cat(" (", retries, " retries in a row met the same problem: processes start too "
                 "often; checkpoint again later)");
}

std::string restarted_joined_mid_checkpoint(const std::string& member, uint64_t generation) {
  return str_cat("restarted process ", member, " joined while generation ", generation,
                 " was being written; that checkpoint was abandoned.");
}

std::string round_running(bool restarting, uint64_t generation) {
  return str_cat("a ", restarting ? "restart" : "checkpoint", " of generation ", generation,
                 " is in progress; wait for it to finish and retry.");
}

std::string no_members() {
  return "no process is connected to this coordinator: nothing to checkpoint. Start the "
         "program with `ckpt launch` first.";
}

std::string cannot_create_dir(const std::string& why) {
  return "cannot create the checkpoint directory: " + why +
         ". Check --ckptdir (it must be writable).";
}

std::string bad_secret() {
  return "authentication failed: wrong or missing job secret (CKPT_SECRET).";
}

std::string unknown_command(uint32_t code) {
  return str_cat("unknown command code ", code, " (client and coordinator versions differ?)");
}

std::string bad_interval(int64_t seconds) {
  return str_cat("invalid checkpoint interval ", seconds, " s: give 0 (off) or a positive value.");
}

std::string coordinator_quitting() {
  return "the coordinator was asked to quit; the checkpoint was abandoned.";
}

std::string killed_by_command() {
  return "the computation was killed (ckpt kill); the checkpoint was abandoned.";
}

}  // namespace ckpt::coord::messages
