// The coordinator's pure pieces: generation index round trip, names, JSON, KV ops, barriers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "coordinator/barrier.h"
#include "coordinator/generation_index.h"
#include "coordinator/generation_store.h"
#include "coordinator/json_writer.h"
#include "coordinator/kv_store.h"
#include "coordinator/log.h"
#include "coordinator/restart_script.h"
#include "fake_member.h"

namespace ckpt::coord::testing {
namespace {

IndexInfo sample_index() {
  IndexInfo info;
  info.job_id = "job-42";
  info.generation = 7;
  info.time_ns = 1234567890123;
  info.coordinator = "vm:7779";
  info.version = "0.1.0";
  info.topology = {{"h1", "Machine (8GB) Package L3 4 cores"}, {"h2", ""}};
  for (int i = 1; i <= 3; ++i) {
    IndexRow r;
    r.vpid = i;
    r.parent_vpid = i == 1 ? 0 : 1;
    r.pid = 100 + i;
    r.mpi_rank = i - 1;
    r.host = i == 3 ? "h2" : "h1";
    r.program = "/usr/bin/app";
    r.image = "app.h1." + std::to_string(i) + ".ckpt";
    r.size = 1ull << (30 + i);
    r.checksum = 0xdeadbeef - i;
    r.nthreads = 4;
    r.plugins = "pid,file,socket";
    info.rows.push_back(r);
  }
  return info;
}

TEST(GenerationIndex, RoundTrip) {
  ScratchDir s;
  std::string path = s.path() + "/index.h5";
  IndexInfo in = sample_index();
  ASSERT_TRUE(write_generation_index(path, in).is_ok());
  Result<IndexInfo> out = read_generation_index(path);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  const IndexInfo& r = out.value();
  EXPECT_EQ(r.job_id, in.job_id);
  EXPECT_EQ(r.generation, 7u);
  EXPECT_EQ(r.time_ns, in.time_ns);
  EXPECT_EQ(r.coordinator, in.coordinator);
  EXPECT_EQ(r.version, in.version);
  EXPECT_EQ(r.topology, in.topology);
  ASSERT_EQ(r.rows.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.rows[i].vpid, in.rows[i].vpid);
    EXPECT_EQ(r.rows[i].parent_vpid, in.rows[i].parent_vpid);
    EXPECT_EQ(r.rows[i].pid, in.rows[i].pid);
    EXPECT_EQ(r.rows[i].mpi_rank, in.rows[i].mpi_rank);
    EXPECT_EQ(r.rows[i].host, in.rows[i].host);
    EXPECT_EQ(r.rows[i].program, in.rows[i].program);
    EXPECT_EQ(r.rows[i].image, in.rows[i].image);
    EXPECT_EQ(r.rows[i].size, in.rows[i].size);
    EXPECT_EQ(r.rows[i].checksum, in.rows[i].checksum);
    EXPECT_EQ(r.rows[i].nthreads, in.rows[i].nthreads);
    EXPECT_EQ(r.rows[i].plugins, in.rows[i].plugins);
  }
  if (system("command -v h5dump >/dev/null 2>&1") == 0) {
    std::string cmd = "h5dump -d /processes " + path + " > " + s.path() + "/dump.txt 2>&1";
    EXPECT_EQ(system(cmd.c_str()), 0);
  }
}

TEST(GenerationIndex, EmptyTopologyAndMissingFile) {
  ScratchDir s;
  IndexInfo in = sample_index();
  in.topology.clear();
  in.rows.resize(1);
  std::string path = s.path() + "/i.h5";
  ASSERT_TRUE(write_generation_index(path, in).is_ok());
  auto out = read_generation_index(path);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_TRUE(out.value().topology.empty());
  EXPECT_EQ(out.value().rows.size(), 1u);
  EXPECT_FALSE(read_generation_index(s.path() + "/absent.h5").is_ok());
}

TEST(GenerationStore, NamesAndDirs) {
  bool partial = true;
  EXPECT_EQ(generation_name(7), "gen-000007");
  EXPECT_EQ(generation_name(1234567), "gen-1234567");
  EXPECT_EQ(parse_generation_name("gen-000012", &partial), 12u);
  EXPECT_FALSE(partial);
  EXPECT_EQ(parse_generation_name("gen-000013.partial", &partial), 13u);
  EXPECT_TRUE(partial);
  EXPECT_EQ(parse_generation_name("gen-", &partial), 0u);
  EXPECT_EQ(parse_generation_name("gen-12x", &partial), 0u);
  EXPECT_EQ(parse_generation_name("latest", &partial), 0u);
  ScratchDir s;
  ASSERT_TRUE(make_dirs(s.path() + "/a/b/c").is_ok());
  EXPECT_TRUE(std::filesystem::is_directory(s.path() + "/a/b/c"));
  GenerationStore gs(s.path(), "job");
  EXPECT_EQ(gs.highest_on_disk(), 0u);
  ASSERT_TRUE(gs.create_partial(3).is_ok());
  EXPECT_EQ(gs.highest_on_disk(), 3u);
}

TEST(GenerationStore, DiscardStalePartialsKeepsCommitted) {
  ScratchDir s;
  GenerationStore gs(s.path(), "job");
  ASSERT_TRUE(make_dirs(gs.final_dir(1)).is_ok());
  ASSERT_TRUE(gs.create_partial(2).is_ok());
  ASSERT_TRUE(gs.create_partial(4).is_ok());
  EXPECT_EQ(gs.discard_stale_partials(), (std::vector<uint64_t>{2, 4}));
  EXPECT_FALSE(std::filesystem::exists(gs.partial_dir(2)));
  EXPECT_FALSE(std::filesystem::exists(gs.partial_dir(4)));
  EXPECT_TRUE(std::filesystem::is_directory(gs.final_dir(1)));
  EXPECT_TRUE(gs.discard_stale_partials().empty());
}

TEST(Json, EscapesAndCommas) {
  JsonWriter w;
  w.begin_object().key("a\"b").str("line\nnext\\\x01").key("n").num(-3).key("arr").begin_array();
  w.num_u(1).boolean(false).null().begin_object().end_object().end_array();
  w.key("d").num_d(0.5).end_object();
  EXPECT_EQ(w.text(),
            "{\"a\\\"b\":\"line\\nnext\\\\\\u0001\",\"n\":-3,\"arr\":[1,false,null,{}],"
            "\"d\":0.500000}");
  EXPECT_EQ(json_error("x"), "{\"error\":\"x\"}");
}

TEST(KvStore, Ops) {
  KvStore kv;
  auto v = [](int64_t x) { return std::string(reinterpret_cast<const char*>(&x), 8); };
  EXPECT_EQ(kv.put(proto::kKvSet, "k", "abc").value(), "abc");
  EXPECT_EQ(kv.get("k").value(), "abc");
  EXPECT_FALSE(kv.get("z").has_value());
  EXPECT_EQ(kv.put(proto::kKvMax, "m", v(3)).value(), v(3));
  EXPECT_EQ(kv.put(proto::kKvMax, "m", v(1)).value(), v(3));
  EXPECT_EQ(kv.put(proto::kKvAdd, "a", v(-4)).value(), v(-4));
  EXPECT_FALSE(kv.put(proto::kKvAdd, "a", "short").is_ok());
  EXPECT_FALSE(kv.put(99, "a", v(1)).is_ok());
}

TEST(Round, GenericBarriersNeedEveryParticipant) {
  Round r(RoundKind::kCheckpoint, 1, 0, Clock::now(), std::chrono::seconds(1));
  r.add_participant(10);
  r.add_participant(11);
  EXPECT_FALSE(r.arrive(12, "x"));  // not a participant
  EXPECT_TRUE(r.arrive(10, "x"));
  EXPECT_TRUE(r.complete_barriers().empty());
  EXPECT_EQ(r.missing(), std::vector<ConnId>{11});
  EXPECT_TRUE(r.arrive(11, "x"));
  EXPECT_EQ(r.complete_barriers(), std::vector<std::string>{"x"});
  r.release("x", Clock::now());
  EXPECT_TRUE(r.complete_barriers().empty());
  EXPECT_EQ(r.steps().size(), 1u);
  r.arrive(10, "y");
  r.remove_participant(11);  // after the commit a leaving process completes the barrier
  EXPECT_EQ(r.complete_barriers(), std::vector<std::string>{"y"});
}

TEST(Round, RestartBarrierWaitsForExpectedCount) {
  Round r(RoundKind::kRestart, 5, 0, Clock::now(), std::chrono::seconds(1));
  r.set_expected(3);
  r.add_participant(1);
  r.add_participant(2);
  r.arrive(1, "restart");
  r.arrive(2, "restart");
  EXPECT_TRUE(r.complete_barriers().empty());
  r.add_participant(3);
  r.arrive(3, "restart");
  EXPECT_EQ(r.complete_barriers(), std::vector<std::string>{"restart"});
}

TEST(RestartScript, QuotesBinaryAndListsProcesses) {
  IndexInfo info;
  info.job_id = "j";
  info.generation = 2;
  info.rows.resize(1);
  info.rows[0].vpid = 1;
  info.rows[0].image = "a.ckpt";
  std::string text = restart_script_text(info, "/opt/it's/ckpt");
  EXPECT_NE(text.find("exec '/opt/it'\\''s/ckpt' restart \"$(dirname \"$0\")\" \"$@\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("#   vpid 1 "), std::string::npos);
  EXPECT_EQ(shell_quote("a b"), "'a b'");
}

TEST(Log, LevelSpec) {
  EXPECT_EQ(parse_log_level(nullptr, LogLevel::kInfo), LogLevel::kInfo);
  EXPECT_EQ(parse_log_level("warn", LogLevel::kInfo), LogLevel::kInfo);  // app default ignored
  EXPECT_EQ(parse_log_level("debug", LogLevel::kInfo), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("info,coordinator=error", LogLevel::kInfo), LogLevel::kError);
  EXPECT_EQ(parse_log_level("socket=debug", LogLevel::kInfo), LogLevel::kInfo);
}

}  // namespace
}  // namespace ckpt::coord::testing
