// Restart rounds: processes restored by `ckpt restart` reconnect with kHelloRestarted; the
// "restart" barrier waits for all N of the generation; numbering continues afterwards.
#include <gtest/gtest.h>

#include <filesystem>

#include "round_helpers.h"

namespace ckpt::coord::testing {
namespace {

std::unique_ptr<FakeMember> restored(int port, int32_t vpid, const std::string& ckpt_dir,
                                     std::optional<proto::Welcome>* welcome = nullptr) {
  auto m = std::make_unique<FakeMember>(port);
  HelloArgs a;
  a.restarted = true;
  a.generation = 5;
  a.nprocs = 3;
  a.vpid = vpid;
  a.job_id = "jobR";
  a.ckpt_dir = ckpt_dir;
  a.pid = 9000 + vpid;
  auto w = m->hello(a);
  if (welcome != nullptr) {
    *welcome = w;
  }
  return m;
}

TEST(RestartRound, WaitsForAllProcessesOfTheGeneration) {
  ScratchDir s;
  CoordinatorOptions o;
  o.barrier_timeout_s = 5;
  CoordinatorRunner c(o, s.path());
  std::string ckpt = s.path() + "/ckpt";
  Members ms;
  std::optional<proto::Welcome> w;
  ms.push_back(restored(c.port(), 2, ckpt, &w));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->vpid, 2);
  EXPECT_EQ(w->generation, 5u);
  EXPECT_EQ(std::string(w->job_id), "jobR");
  ms.push_back(restored(c.port(), 1, ckpt));
  for (auto& m : ms) {
    m->barrier("restart");
  }
  EXPECT_FALSE(ms[0]->expect(proto::kRelease, 300));  // only 2 of 3 are back
  auto st = run_command(c.port(), proto::kCmdStatus);
  ASSERT_TRUE(st);
  EXPECT_NE(st->json.find("\"state\":\"restarting\""), std::string::npos) << st->json;
  EXPECT_NE(st->json.find("\"restarted\":true"), std::string::npos) << st->json;
  ms.push_back(restored(c.port(), 3, ckpt));
  ms.back()->barrier("restart");
  for (auto& m : ms) {
    EXPECT_TRUE(m->expect_release("restart"));
  }
  for (const char* step : {"refilled", "name_service", "resumed"}) {
    ASSERT_TRUE(barrier_all(ms, step));
  }
  st = run_command(c.port(), proto::kCmdStatus);
  ASSERT_TRUE(st);
  EXPECT_NE(st->json.find("\"state\":\"idle\",\"generation\":5,"), std::string::npos) << st->json;

  // A process forked afterwards gets the next free vpid; numbering continues at 6.
  FakeMember child(c.port());
  HelloArgs a;
  a.ckpt_dir = ckpt;
  ASSERT_TRUE(child.hello(a));
  EXPECT_EQ(child.vpid, 4);
  child.conn().close();
  ASSERT_TRUE(run_command(c.port(), proto::kCmdCheckpoint));
  std::string dir = expect_checkpoint(ms, 6);
  EXPECT_EQ(dir, ckpt + "/jobR/gen-000006.partial");
  EXPECT_EQ(walk_round(ms, dir, 6), ckpt + "/jobR/gen-000006");
}

TEST(RestartRound, IncompleteRestartAbortsNamingMissingVpids) {
  ScratchDir s;
  CoordinatorOptions o;
  o.barrier_timeout_s = 0.4;
  CoordinatorRunner c(o, s.path());
  Members ms;
  ms.push_back(restored(c.port(), 1, s.path()));
  ms.push_back(restored(c.port(), 3, s.path()));
  for (auto& m : ms) {
    m->barrier("restart");
  }
  auto msg = ms[0]->expect(proto::kAbort, 2000);
  ASSERT_TRUE(msg);
  std::string reason = struct_of<proto::Abort>(msg->payload).reason;
  EXPECT_NE(reason.find("only 2 of 3"), std::string::npos) << reason;
  EXPECT_NE(reason.find("vpids seen: 1, 3"), std::string::npos) << reason;
  EXPECT_NE(reason.find("probably missing: 2"), std::string::npos) << reason;
  EXPECT_TRUE(ms[1]->expect(proto::kAbort, 1000));
}

}  // namespace
}  // namespace ckpt::coord::testing
