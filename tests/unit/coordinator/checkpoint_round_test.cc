// Checkpoint rounds end to end over loopback: fake members, a real coordinator on a thread.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "coordinator/generation_index.h"
#include "round_helpers.h"

namespace ckpt::coord::testing {
namespace {

namespace fs = std::filesystem;

std::string read_link(const std::string& path) {
  std::error_code ec;
  return fs::read_symlink(path, ec).string();
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

CoordinatorOptions options(const ScratchDir& s, int keep = 3) {
  CoordinatorOptions o;
  o.ckpt_dir = s.path() + "/ckpt";
  o.keep = keep;
  o.barrier_timeout_s = 5;
  return o;
}

// index.h5 of the round driven by walk_round() with the members of join_members().
void check_index(const std::string& final_dir, int port) {
  Result<IndexInfo> idx = read_generation_index(final_dir + "/index.h5");
  ASSERT_TRUE(idx.is_ok()) << idx.status().message();
  const IndexInfo& info = idx.value();
  EXPECT_EQ(info.job_id, "job1");
  EXPECT_EQ(info.generation, 1u);
  EXPECT_GT(info.time_ns, 0);
  EXPECT_NE(info.coordinator.find(":" + std::to_string(port)), std::string::npos);
  ASSERT_EQ(info.rows.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(info.rows[i].vpid, i + 1);
    EXPECT_EQ(info.rows[i].pid, 4000 + i);
    EXPECT_EQ(info.rows[i].image, "fake." + std::to_string(i + 1) + ".ckpt");
    EXPECT_EQ(info.rows[i].size, 1001u + i);
    EXPECT_EQ(info.rows[i].checksum, 0xabcd0001u + i);
    EXPECT_EQ(info.rows[i].plugins, "pid,file");
  }
  ASSERT_EQ(info.topology.size(), 2u);
  EXPECT_EQ(info.topology[0].first, "hostA");
  EXPECT_EQ(info.topology[1].first, "hostB");
}

TEST(CheckpointRound, ThreeMembersCommitGenerationOne) {
  ScratchDir s;
  CoordinatorRunner c(options(s), s.path());
  ASSERT_TRUE(c.running());
  Members ms = join_members(c.port(), 3, s.path() + "/ckpt");
  ASSERT_EQ(ms[0]->vpid, 1);
  ASSERT_EQ(ms[2]->vpid, 3);
  CommandClient cmd(c.port());
  ASSERT_TRUE(cmd.send(proto::kCmdCheckpoint, proto::kCmdWait));
  std::string job_dir = s.path() + "/ckpt/job1";
  std::string dir = expect_checkpoint(ms, 1);
  EXPECT_EQ(dir, job_dir + "/gen-000001.partial");
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::string final_dir = walk_round(ms, dir, 1);
  EXPECT_EQ(final_dir, job_dir + "/gen-000001");

  auto r = cmd.reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0) << r->json;
  EXPECT_NE(r->json.find("\"generation\":1,"), std::string::npos) << r->json;
  EXPECT_NE(r->json.find("\"images\":3,"), std::string::npos) << r->json;
  EXPECT_NE(r->json.find("\"bytes\":3006,"), std::string::npos) << r->json;
  EXPECT_NE(r->json.find("\"dir\":\"" + final_dir + "\""), std::string::npos) << r->json;

  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(read_link(job_dir + "/latest"), "gen-000001");
  check_index(final_dir, c.port());

  std::string script = slurp(final_dir + "/restart.sh");
  EXPECT_EQ(script.rfind("#!/bin/sh\n", 0), 0u);
  EXPECT_NE(script.find("restart \"$(dirname \"$0\")\" \"$@\""), std::string::npos) << script;
  EXPECT_NE(script.find("# generation: 1"), std::string::npos);
  ASSERT_EQ(stat((final_dir + "/restart.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto status = run_command(c.port(), proto::kCmdStatus);
  ASSERT_TRUE(status);
  EXPECT_NE(status->json.find("\"state\":\"idle\""), std::string::npos) << status->json;
  EXPECT_NE(status->json.find("\"last_checkpoint\":{\"generation\":1,"), std::string::npos);
  EXPECT_NE(status->json.find("\"suspended\":"), std::string::npos);
  EXPECT_NE(status->json.find("\"resumed\":"), std::string::npos);
  EXPECT_NE(c.log_text().find("generation 1 committed"), std::string::npos);
}

TEST(CheckpointRound, LaterRoundsSwitchLatestAndPrune) {
  ScratchDir s;
  CoordinatorRunner c(options(s, /*keep=*/2), s.path());
  ASSERT_TRUE(c.running());
  Members ms = join_members(c.port(), 2, s.path() + "/ckpt");
  std::string job_dir = s.path() + "/ckpt/job1";
  for (uint64_t g = 1; g <= 3; ++g) {
    auto started = run_command(c.port(), proto::kCmdCheckpoint);
    ASSERT_TRUE(started);
    EXPECT_EQ(started->json, "{\"started\":true,\"generation\":" + std::to_string(g) + "}");
    std::string dir = expect_checkpoint(ms, g);
    std::string final_dir = walk_round(ms, dir, g);
    EXPECT_EQ(read_link(job_dir + "/latest"), "gen-00000" + std::to_string(g));
    EXPECT_TRUE(fs::exists(final_dir + "/index.h5"));
  }
  EXPECT_FALSE(fs::exists(job_dir + "/gen-000001"));  // keep = 2
  EXPECT_TRUE(fs::exists(job_dir + "/gen-000002"));
  EXPECT_TRUE(fs::exists(job_dir + "/gen-000003"));
}

TEST(CheckpointRound, KeepOneAndNumbersContinueFromDisk) {
  ScratchDir s;
  std::string job_dir = s.path() + "/ckpt/job1";
  fs::create_directories(job_dir + "/gen-000041");  // left by an earlier coordinator
  CoordinatorRunner c(options(s, /*keep=*/1), s.path());
  ASSERT_TRUE(c.running());
  Members ms = join_members(c.port(), 1, s.path() + "/ckpt");
  ASSERT_TRUE(run_command(c.port(), proto::kCmdCheckpoint));
  std::string dir = expect_checkpoint(ms, 42);
  walk_round(ms, dir, 42);
  EXPECT_EQ(read_link(job_dir + "/latest"), "gen-000042");
  EXPECT_FALSE(fs::exists(job_dir + "/gen-000041"));
}

TEST(CheckpointRound, KillAfterCommitEndsRoundWhenMembersExit) {
  ScratchDir s;
  CoordinatorRunner c(options(s), s.path());
  Members ms = join_members(c.port(), 2, s.path() + "/ckpt");
  CommandClient cmd(c.port());
  ASSERT_TRUE(cmd.send(proto::kCmdCheckpoint, proto::kCmdWait | proto::kCmdKillAfter));
  uint32_t flags = 0;
  std::string dir = expect_checkpoint(ms, 1, &flags);
  EXPECT_EQ(flags, static_cast<uint32_t>(proto::kCkptKillAfter));
  for (const char* step : {"suspended", "leader_election", "drain"}) {
    ASSERT_TRUE(barrier_all(ms, step));
  }
  for (auto& m : ms) {
    m->write_image(dir, "k." + std::to_string(m->vpid) + ".ckpt", 10);
  }
  for (auto& m : ms) {
    auto msg = m->expect(proto::kCommitted);
    ASSERT_TRUE(msg);
    EXPECT_EQ(struct_of<proto::Committed>(msg->payload).flags,
              static_cast<uint32_t>(proto::kCkptKillAfter));
  }
  auto r = cmd.reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0);
  ms.clear();  // the processes exit
  for (int i = 0; i < 100; ++i) {
    auto st = run_command(c.port(), proto::kCmdStatus);
    if (st && st->json.find("\"state\":\"idle\"") != std::string::npos) {
      EXPECT_NE(st->json.find("\"members\":[]"), std::string::npos);
      return;
    }
    usleep(10000);
  }
  ADD_FAILURE() << "round did not end after the members exited";
}

}  // namespace
}  // namespace ckpt::coord::testing
