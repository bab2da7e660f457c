// tests/unit/coordinator/round_helpers.h: drives fake members through a checkpoint round.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fake_member.h"

namespace ckpt::coord::testing {

using Members = std::vector<std::unique_ptr<FakeMember>>;

inline Members join_members(int port, int n, const std::string& ckpt_dir,
                            const std::string& job_id = "job1") {
  Members out;
  for (int i = 0; i < n; ++i) {
    auto m = std::make_unique<FakeMember>(port);
    HelloArgs a;
    a.pid = 4000 + i;
    a.ckpt_dir = ckpt_dir;
    a.job_id = job_id;
    a.host = i % 2 == 0 ? "hostA" : "hostB";
    if (!m->hello(a)) {
      ADD_FAILURE() << "member " << i << " got no Welcome";
    }
    out.push_back(std::move(m));
  }
  return out;
}

// Every member sends `name`, then every member must get its release.
inline ::testing::AssertionResult barrier_all(Members& ms, const std::string& name) {
  for (auto& m : ms) {
    m->barrier(name);
  }
  for (auto& m : ms) {
    if (!m->expect_release(name)) {
      return ::testing::AssertionFailure() << "vpid " << m->vpid << " got no release of " << name;
    }
  }
  return ::testing::AssertionSuccess();
}

// Receives kCheckpoint on every member; returns the round's directory ("" on failure).
inline std::string expect_checkpoint(Members& ms, uint64_t generation, uint32_t* flags = nullptr) {
  std::string dir;
  for (auto& m : ms) {
    auto msg = m->expect(proto::kCheckpoint);
    if (!msg) {
      ADD_FAILURE() << "vpid " << m->vpid << " got no kCheckpoint";
      return "";
    }
    auto c = struct_of<proto::Checkpoint>(msg->payload);
    EXPECT_EQ(c.generation, generation);
    EXPECT_EQ(c.nprocs, ms.size());
    dir = c.dir;
    if (flags != nullptr) {
      *flags = c.flags;
    }
  }
  return dir;
}

// The member side of a whole round after kCheckpoint; returns the committed directory.
inline std::string walk_round(Members& ms, const std::string& dir, uint64_t generation) {
  for (const char* step : {"suspended", "leader_election", "drain"}) {
    EXPECT_TRUE(barrier_all(ms, step));
  }
  for (auto& m : ms) {
    m->write_image(dir, "fake." + std::to_string(m->vpid) + ".ckpt", 1000 + m->vpid);
  }
  std::string final_dir;
  for (auto& m : ms) {
    auto msg = m->expect(proto::kCommitted);
    if (!msg) {
      ADD_FAILURE() << "vpid " << m->vpid << " got no kCommitted";
      return "";
    }
    auto c = struct_of<proto::Committed>(msg->payload);
    EXPECT_EQ(c.generation, generation);
    final_dir = c.dir;
  }
  for (const char* step : {"refilled", "name_service", "resumed"}) {
    EXPECT_TRUE(barrier_all(ms, step));
  }
  return final_dir;
}

}  // namespace ckpt::coord::testing
