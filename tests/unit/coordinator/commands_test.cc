// Command clients and the key-value store against a live coordinator: status JSON, kill,
// interval, quit, exit-on-last, secrets, job id fallback, KV set/get/atomic ops.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <regex>

#include "round_helpers.h"

namespace ckpt::coord::testing {
namespace {

CoordinatorOptions options(const ScratchDir& s) {
  CoordinatorOptions o;
  o.ckpt_dir = s.path() + "/ckpt";
  o.barrier_timeout_s = 5;
  return o;
}

TEST(Commands, StatusListsMembers) {
  ScratchDir s;
  CoordinatorRunner c(options(s), s.path());
  Members ms = join_members(c.port(), 2, s.path() + "/ckpt");
  auto r = run_command(c.port(), proto::kCmdStatus);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0);
  const std::string& j = r->json;
  EXPECT_EQ(j.rfind("{\"coordinator\":\"", 0), 0u) << j;
  EXPECT_NE(j.find(":" + std::to_string(c.port()) +
                   "\",\"job_id\":\"job1\",\"state\":\"idle\","
                   "\"generation\":0,\"last_generation_dir\":\"\",\"ckptdir\":\"" +
                   s.path() + "/ckpt\",\"interval\":0,\"barrier_timeout\":5"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"members\":[{\"vpid\":1,\"pid\":4000,\"host\":\"hostA\",\"program\":"
                   "\"/usr/bin/fake\",\"state\":\"running\",\"restarted\":false,\"modes\":[]},"
                   "{\"vpid\":2,"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"last_checkpoint\":null}"), std::string::npos) << j;
}

TEST(Commands, StatusShowsStepDuringRound) {
  ScratchDir s;
  CoordinatorRunner c(options(s), s.path());
  Members ms = join_members(c.port(), 2, s.path() + "/ckpt");
  ASSERT_TRUE(run_command(c.port(), proto::kCmdCheckpoint));
  expect_checkpoint(ms, 1);
  ms[0]->barrier("suspended");
  usleep(50000);
  auto r = run_command(c.port(), proto::kCmdStatus);
  ASSERT_TRUE(r);
  EXPECT_NE(r->json.find("\"state\":\"checkpointing\""), std::string::npos) << r->json;
  EXPECT_NE(r->json.find("\"vpid\":1,\"pid\":4000,\"host\":\"hostA\",\"program\":\"/usr/bin/fake\","
                         "\"state\":\"suspended\""),
            std::string::npos)
      << r->json;
}

TEST(Commands, KillSendsKillToEveryMember) {
  ScratchDir s;
  CoordinatorRunner c(options(s), s.path());
  Members ms = join_members(c.port(), 3, s.path() + "/ckpt");
  auto r = run_command(c.port(), proto::kCmdKill);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0);
  EXPECT_EQ(r->json, "{\"killed\":3}");
  for (auto& m : ms) {
    EXPECT_TRUE(m->expect(proto::kKill));
  }
}

TEST(Commands, QuitKillsMembersAndExitsZero) {
  ScratchDir s;
  CoordinatorRunner c(options(s), s.path());
  Members ms = join_members(c.port(), 2, s.path() + "/ckpt");
  auto r = run_command(c.port(), proto::kCmdQuit);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->json, "{\"killed\":2,\"quit\":true}");
  EXPECT_TRUE(ms[0]->expect(proto::kKill));
  EXPECT_EQ(c.wait_exit(3000), std::optional<int>(0));
}

TEST(Commands, ExitOnLastMemberAfterGracePeriod) {
  ScratchDir s;
  CoordinatorOptions o = options(s);
  o.exit_on_last = true;
  CoordinatorRunner c(o, s.path());
  {
    Members ms = join_members(c.port(), 2, s.path() + "/ckpt");
    EXPECT_EQ(c.wait_exit(200), std::nullopt);
  }
  usleep(200000);
  {
    // A process that execs reconnects from its new image a moment later.
    Members again = join_members(c.port(), 1, s.path() + "/ckpt");
    EXPECT_EQ(again[0]->vpid, 3);
    EXPECT_EQ(c.wait_exit(2000), std::nullopt);
  }
  EXPECT_EQ(c.wait_exit(4000), std::optional<int>(0));
  EXPECT_NE(c.log_text().find("last member left"), std::string::npos);
}

TEST(Commands, IntervalTriggersCheckpoints) {
  ScratchDir s;
  CoordinatorRunner c(options(s), s.path());
  Members ms = join_members(c.port(), 2, s.path() + "/ckpt");
  auto r = run_command(c.port(), proto::kCmdInterval, 0, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->json, "{\"interval\":1}");
  for (auto& m : ms) {
    EXPECT_TRUE(m->expect(proto::kCheckpoint, 2500));
  }
  r = run_command(c.port(), proto::kCmdInterval, 0, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->json, "{\"interval\":0}");
  r = run_command(c.port(), proto::kCmdInterval, 0, -5);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 1);
}

TEST(Commands, SecretIsRequiredWhenConfigured) {
  ScratchDir s;
  CoordinatorOptions o = options(s);
  o.secret = "s3cret";
  CoordinatorRunner c(o, s.path());
  FakeMember bad(c.port());
  HelloArgs a;
  a.secret = "wrong";
  EXPECT_FALSE(bad.hello(a));
  EXPECT_TRUE(bad.conn().closed_within(1000));
  FakeMember good(c.port());
  a.secret = "s3cret";
  EXPECT_TRUE(good.hello(a));
  auto r = run_command(c.port(), proto::kCmdStatus);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 1);
  EXPECT_NE(r->json.find("authentication failed"), std::string::npos);
  r = run_command(c.port(), proto::kCmdStatus, 0, 0, "s3cret");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0);
  EXPECT_NE(r->json.find("\"vpid\":1"), std::string::npos) << r->json;
  EXPECT_EQ(r->json.find("\"vpid\":2"), std::string::npos) << r->json;
}

TEST(Commands, GeneratedJobIdWhenNoneGiven) {
  unsetenv("SLURM_JOB_ID");
  ScratchDir s;
  CoordinatorRunner c(options(s), s.path());
  FakeMember m(c.port());
  HelloArgs a;
  a.pid = 777;
  a.program = "/opt/app/solver";
  auto w = m.hello(a);
  ASSERT_TRUE(w);
  EXPECT_TRUE(std::regex_match(std::string(w->job_id), std::regex("solver-\\d{8}T\\d{6}-777")))
      << w->job_id;
  EXPECT_EQ(w->vpid, 1);
  EXPECT_EQ(w->barrier_timeout_ms, 5000u);
  EXPECT_EQ(w->generation, 0u);
}

std::string kv_payload(uint32_t op, const std::string& key, const std::string& value) {
  proto::KvPut h{op, static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size()), 0};
  return bytes_of(h) + key + value;
}

std::string i64(int64_t v) { return bytes_of(v); }

// Returns "found:<value>" or "missing".
std::string kv_answer(FakeMember& m) {
  auto msg = m.expect(proto::kKvValue);
  if (!msg) {
    return "<none>";
  }
  auto h = struct_of<proto::KvPut>(msg->payload);
  std::string key = msg->payload.substr(sizeof h, h.key_len);
  std::string value = msg->payload.substr(sizeof h + h.key_len, h.value_len);
  return h.op == 1 ? key + "=" + value : key + " missing";
}

int64_t as_i64(const std::string& answer) {
  int64_t v = 0;
  size_t eq = answer.find('=');
  std::memcpy(&v, answer.data() + eq + 1, std::min<size_t>(8, answer.size() - eq - 1));
  return v;
}

TEST(KeyValue, SetGetAndAtomicOps) {
  ScratchDir s;
  CoordinatorRunner c(options(s), s.path());
  Members ms = join_members(c.port(), 2, s.path() + "/ckpt");
  FakeMember& a = *ms[0];
  FakeMember& b = *ms[1];
  a.conn().send(proto::kKvPut, kv_payload(proto::kKvSet, "addr/1", "10.0.0.1:5000"));
  // kKvSet has no answer: a get on the same connection orders it before b's get.
  a.conn().send(proto::kKvGet, kv_payload(0, "addr/1", ""));
  EXPECT_EQ(kv_answer(a), "addr/1=10.0.0.1:5000");
  b.conn().send(proto::kKvGet, kv_payload(0, "addr/1", ""));
  EXPECT_EQ(kv_answer(b), "addr/1=10.0.0.1:5000");
  b.conn().send(proto::kKvGet, kv_payload(0, "nope", ""));
  EXPECT_EQ(kv_answer(b), "nope missing");
  a.conn().send(proto::kKvPut, kv_payload(proto::kKvAdd, "n", i64(5)));
  EXPECT_EQ(as_i64(kv_answer(a)), 5);
  b.conn().send(proto::kKvPut, kv_payload(proto::kKvAdd, "n", i64(3)));
  EXPECT_EQ(as_i64(kv_answer(b)), 8);
  a.conn().send(proto::kKvPut, kv_payload(proto::kKvMin, "m", i64(7)));
  EXPECT_EQ(as_i64(kv_answer(a)), 7);
  a.conn().send(proto::kKvPut, kv_payload(proto::kKvMin, "m", i64(-2)));
  EXPECT_EQ(as_i64(kv_answer(a)), -2);
  a.conn().send(proto::kKvPut, kv_payload(proto::kKvMax, "m", i64(9)));
  EXPECT_EQ(as_i64(kv_answer(a)), 9);
  a.conn().send(proto::kKvPut, kv_payload(proto::kKvOr, "bits", i64(4)));
  EXPECT_EQ(as_i64(kv_answer(a)), 4);
  b.conn().send(proto::kKvPut, kv_payload(proto::kKvOr, "bits", i64(1)));
  EXPECT_EQ(as_i64(kv_answer(b)), 5);
  b.conn().send(proto::kKvGet, kv_payload(0, "n", ""));
  EXPECT_EQ(as_i64(kv_answer(b)), 8);
}

}  // namespace
}  // namespace ckpt::coord::testing
