// A process that joins while a checkpoint round runs (a child forked or a program exec'd
// just before it): before the first barrier it becomes a participant of the round; later,
// the round is aborted and the coordinator starts it again with everyone, keeping the
// `checkpoint --wait` client waiting for the generation that finally commits.
#include <gtest/gtest.h>

#include <filesystem>

#include "round_helpers.h"

namespace ckpt::coord::testing {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<FakeMember> join_one(int port, const std::string& ckpt_dir, int pid) {
  auto m = std::make_unique<FakeMember>(port);
  HelloArgs a;
  a.pid = pid;
  a.ckpt_dir = ckpt_dir;
  a.job_id = "job1";
  a.host = "hostA";
  EXPECT_TRUE(m->hello(a));
  return m;
}

TEST(LateJoiner, JoinsTheRoundBeforeItsFirstBarrier) {
  ScratchDir s;
  CoordinatorOptions o;
  o.ckpt_dir = s.path() + "/ckpt";
  CoordinatorRunner c(o, s.path());
  Members ms = join_members(c.port(), 2, o.ckpt_dir);
  ASSERT_TRUE(run_command(c.port(), proto::kCmdCheckpoint));
  std::string dir = expect_checkpoint(ms, 1);
  ms.push_back(join_one(c.port(), o.ckpt_dir, 4100));  // joins before any barrier
  auto msg = ms.back()->expect(proto::kCheckpoint);
  ASSERT_TRUE(msg) << "the late joiner got no kCheckpoint";
  EXPECT_EQ(struct_of<proto::Checkpoint>(msg->payload).nprocs, 3u);
  EXPECT_EQ(walk_round(ms, dir, 1), o.ckpt_dir + "/job1/gen-000001");
}

TEST(LateJoiner, AfterTheFirstBarrierTheRoundIsRetried) {
  ScratchDir s;
  CoordinatorOptions o;
  o.ckpt_dir = s.path() + "/ckpt";
  CoordinatorRunner c(o, s.path());
  Members ms = join_members(c.port(), 2, o.ckpt_dir);
  CommandClient cmd(c.port());
  ASSERT_TRUE(cmd.send(proto::kCmdCheckpoint, proto::kCmdWait));
  expect_checkpoint(ms, 1);
  ASSERT_TRUE(barrier_all(ms, "suspended"));
  ms.push_back(join_one(c.port(), o.ckpt_dir, 4100));  // too late for this round
  for (size_t i = 0; i + 1 < ms.size(); ++i) {
    ASSERT_TRUE(ms[i]->expect(proto::kAbort)) << "member " << i << " got no kAbort";
  }
  EXPECT_FALSE(fs::exists(o.ckpt_dir + "/job1/gen-000001.partial"));
  std::string dir = expect_checkpoint(ms, 1);  // the retry, with all three
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(walk_round(ms, dir, 1), o.ckpt_dir + "/job1/gen-000001");
  auto reply = cmd.reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 0) << reply->json;  // the waiting client saw the retry commit
}

}  // namespace
}  // namespace ckpt::coord::testing
