// Rounds that must fail cleanly: a barrier timeout, a member lost mid-round, a bad image
// report. Each aborts with kAbort to the others, removes the .partial directory and leaves
// the previous generation and `latest` untouched.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "round_helpers.h"

namespace ckpt::coord::testing {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  ScratchDir s;
  std::unique_ptr<CoordinatorRunner> c;
  Members ms;
  std::string job_dir;

  explicit Fixture(double timeout_s) {
    CoordinatorOptions o;
    o.ckpt_dir = s.path() + "/ckpt";
    o.barrier_timeout_s = timeout_s;
    c = std::make_unique<CoordinatorRunner>(o, s.path());
    ms = join_members(c->port(), 3, o.ckpt_dir);
    job_dir = o.ckpt_dir + "/job1";
  }
  // A first, successful generation that the failure must leave alone.
  void commit_first() {
    ASSERT_TRUE(run_command(c->port(), proto::kCmdCheckpoint));
    std::string dir = expect_checkpoint(ms, 1);
    ASSERT_EQ(walk_round(ms, dir, 1), job_dir + "/gen-000001");
  }
  void expect_previous_intact() {
    EXPECT_EQ(fs::read_symlink(job_dir + "/latest").string(), "gen-000001");
    EXPECT_TRUE(fs::exists(job_dir + "/gen-000001/index.h5"));
    EXPECT_FALSE(fs::exists(job_dir + "/gen-000002"));
    EXPECT_FALSE(fs::exists(job_dir + "/gen-000002.partial"));
  }
};

std::string abort_reason(FakeMember& m, int timeout_ms) {
  auto msg = m.expect(proto::kAbort, timeout_ms);
  return msg ? std::string(struct_of<proto::Abort>(msg->payload).reason) : "<no kAbort>";
}

TEST(RoundFailure, MissingBarrierAbortsWithinTimeout) {
  Fixture f(0.5);
  f.commit_first();
  CommandClient cmd(f.c->port());
  ASSERT_TRUE(cmd.send(proto::kCmdCheckpoint, proto::kCmdWait));
  std::string dir = expect_checkpoint(f.ms, 2);
  ASSERT_TRUE(fs::exists(dir));
  auto t0 = std::chrono::steady_clock::now();
  f.ms[0]->barrier("suspended");
  f.ms[1]->barrier("suspended");  // vpid 3 never arrives
  std::string reason = abort_reason(*f.ms[0], 3000);
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GT(waited, 0.3);
  EXPECT_LT(waited, 2.0);
  EXPECT_NE(reason.find("vpid 3"), std::string::npos) << reason;
  EXPECT_NE(reason.find("'suspended'"), std::string::npos) << reason;
  EXPECT_EQ(reason.find("vpid 1 "), std::string::npos) << reason;
  EXPECT_NE(abort_reason(*f.ms[1], 1000), "<no kAbort>");
  EXPECT_NE(abort_reason(*f.ms[2], 1000), "<no kAbort>");
  auto r = cmd.reply();
  ASSERT_TRUE(r);
  EXPECT_NE(r->status, 0);
  EXPECT_NE(r->json.find("vpid 3"), std::string::npos) << r->json;
  f.expect_previous_intact();
  EXPECT_NE(f.c->log_text().find("pid 4002"), std::string::npos);

  // The next round reuses generation 2 and succeeds.
  ASSERT_TRUE(run_command(f.c->port(), proto::kCmdCheckpoint));
  dir = expect_checkpoint(f.ms, 2);
  EXPECT_EQ(walk_round(f.ms, dir, 2), f.job_dir + "/gen-000002");
}

TEST(RoundFailure, MissingImageAbortsInWritePhase) {
  Fixture f(0.5);
  f.commit_first();
  ASSERT_TRUE(run_command(f.c->port(), proto::kCmdCheckpoint));
  std::string dir = expect_checkpoint(f.ms, 2);
  for (const char* step : {"suspended", "leader_election", "drain"}) {
    ASSERT_TRUE(barrier_all(f.ms, step));
  }
  f.ms[0]->write_image(dir, "a.ckpt", 5);
  f.ms[2]->write_image(dir, "c.ckpt", 5);
  std::string reason = abort_reason(*f.ms[0], 3000);
  EXPECT_NE(reason.find("write image"), std::string::npos) << reason;
  EXPECT_NE(reason.find("vpid 2"), std::string::npos) << reason;
  EXPECT_EQ(reason.find("vpid 3"), std::string::npos) << reason;
  f.expect_previous_intact();
}

TEST(RoundFailure, MemberDisconnectingMidRoundAborts) {
  Fixture f(5);
  f.commit_first();
  CommandClient cmd(f.c->port());
  ASSERT_TRUE(cmd.send(proto::kCmdCheckpoint, proto::kCmdWait));
  expect_checkpoint(f.ms, 2);
  ASSERT_TRUE(barrier_all(f.ms, "suspended"));
  f.ms[1]->conn().close();  // vpid 2 dies
  std::string reason = abort_reason(*f.ms[0], 2000);
  EXPECT_NE(reason.find("vpid 2"), std::string::npos) << reason;
  EXPECT_NE(reason.find("disconnected"), std::string::npos) << reason;
  EXPECT_NE(abort_reason(*f.ms[2], 1000), "<no kAbort>");
  auto r = cmd.reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 1);
  f.expect_previous_intact();
  auto st = run_command(f.c->port(), proto::kCmdStatus);
  ASSERT_TRUE(st);
  EXPECT_NE(st->json.find("\"state\":\"idle\""), std::string::npos) << st->json;
}

TEST(RoundFailure, ReportedImageThatIsNotOnDiskFailsTheCommit) {
  Fixture f(5);
  f.commit_first();
  ASSERT_TRUE(run_command(f.c->port(), proto::kCmdCheckpoint));
  std::string dir = expect_checkpoint(f.ms, 2);
  for (const char* step : {"suspended", "leader_election", "drain"}) {
    ASSERT_TRUE(barrier_all(f.ms, step));
  }
  f.ms[0]->write_image(dir, "a.ckpt", 5);
  f.ms[1]->write_image(dir, "b.ckpt", 5);
  fs::remove(dir + "/b.ckpt");  // before the last report triggers the commit
  f.ms[2]->write_image(dir, "c.ckpt", 5);
  std::string reason = abort_reason(*f.ms[0], 2000);
  EXPECT_NE(reason.find("committing generation 2 failed"), std::string::npos) << reason;
  EXPECT_NE(reason.find("b.ckpt"), std::string::npos) << reason;
  f.expect_previous_intact();
}

TEST(RoundFailure, MemberReportingFailureAbortsAtOnce) {
  Fixture f(5);
  CommandClient cmd(f.c->port());
  ASSERT_TRUE(cmd.send(proto::kCmdCheckpoint, proto::kCmdWait | proto::kCmdForked));
  uint32_t flags = 0;
  expect_checkpoint(f.ms, 1, &flags);
  EXPECT_EQ(flags, static_cast<uint32_t>(proto::kCkptForked));
  proto::Abort a{};
  std::strcpy(a.reason, "disk full writing the image");
  f.ms[2]->conn().send(proto::kAbort, bytes_of(a));  // libckpt's report_failure()
  std::string reason = abort_reason(*f.ms[0], 1000);
  EXPECT_NE(reason.find("vpid 3"), std::string::npos) << reason;
  EXPECT_NE(reason.find("disk full"), std::string::npos) << reason;
  auto r = cmd.reply(1000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 1);
  EXPECT_FALSE(fs::exists(f.job_dir + "/gen-000001.partial"));
  EXPECT_FALSE(fs::exists(f.job_dir + "/latest"));
}

TEST(RoundFailure, RefusedWhenBusyOrEmpty) {
  ScratchDir s;
  CoordinatorOptions o;
  o.ckpt_dir = s.path() + "/ckpt";
  CoordinatorRunner c(o, s.path());
  auto r = run_command(c.port(), proto::kCmdCheckpoint, proto::kCmdWait);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 1);
  EXPECT_NE(r->json.find("\"error\":\"no process"), std::string::npos) << r->json;
  Members ms = join_members(c.port(), 1, o.ckpt_dir);
  ASSERT_TRUE(run_command(c.port(), proto::kCmdCheckpoint));
  r = run_command(c.port(), proto::kCmdCheckpoint);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 1);
  EXPECT_NE(r->json.find("in progress"), std::string::npos) << r->json;
}

}  // namespace
}  // namespace ckpt::coord::testing
