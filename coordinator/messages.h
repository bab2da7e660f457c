// coordinator/messages.h: every user-facing text of the coordinator in one place (STYLE.md
// section 4, tier 3): abort reasons sent to the processes and to `checkpoint --wait`, and
// command errors. Each says what failed, on which object, why, and what to do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ckpt::coord::messages {

std::string barrier_timeout(const std::string& step, double timeout_s,
                            const std::vector<std::string>& missing);
std::string member_disconnected(const std::string& member, const std::string& step,
                                uint64_t generation);
std::string member_failed(const std::string& member, const std::string& why, uint64_t generation);
std::string stale_partial(uint64_t generation, const std::string& dir);
std::string commit_failed(uint64_t generation, const std::string& why);
std::string restart_incomplete(uint64_t generation, uint32_t expected,
                               const std::vector<int32_t>& seen, double timeout_s);
std::string joined_mid_checkpoint(const std::string& member, uint64_t generation);
std::string retries_exhausted(int retries);
std::string restarted_joined_mid_checkpoint(const std::string& member, uint64_t generation);
std::string round_running(bool restarting, uint64_t generation);
std::string no_members();
std::string cannot_create_dir(const std::string& why);
std::string bad_secret();
std::string unknown_command(uint32_t code);
std::string bad_interval(int64_t seconds);
std::string coordinator_quitting();
std::string killed_by_command();

}  // namespace ckpt::coord::messages
