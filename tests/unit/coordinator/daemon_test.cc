// The test-only front end ckpt-coordinator-test run as a daemon, the way `ckpt launch`
// starts a coordinator: the parent returns at once, the port file is there, the daemon logs
// to <ckptdir>/coordinator.log and exits after the last member left (--exit-on-last).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "fake_member.h"

namespace ckpt::coord::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Gone or a zombie (the daemon's parent is init, which may reap it late).
bool exited(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return kill(pid, 0) != 0 || (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z");
}

TEST(Daemon, StartsDetachedAndExitsOnLast) {
  ScratchDir s;
  std::string ckpt = s.path() + "/ck";
  std::string cmd = std::string(CKPT_COORDINATOR_TEST_BIN) + " --daemon --exit-on-last --port 0" +
                    " --bind 127.0.0.1 --port-file " + s.path() + "/port --ckptdir " + ckpt;
  ASSERT_EQ(system(cmd.c_str()), 0);
  int port = 0;
  std::ifstream(s.path() + "/port") >> port;  // written before the parent returned
  ASSERT_GT(port, 0);
  std::smatch match;
  std::string log = slurp(ckpt + "/coordinator.log");
  for (int i = 0; i < 200 && !std::regex_search(log, match, std::regex("\\(pid (\\d+)\\)")); ++i) {
    usleep(10000);
    log = slurp(ckpt + "/coordinator.log");
  }
  ASSERT_TRUE(std::regex_search(log, match, std::regex("\\(pid (\\d+)\\)"))) << log;
  pid_t daemon_pid = std::stoi(match[1]);
  {
    FakeMember m(port);
    HelloArgs a;
    a.job_id = "dj";
    ASSERT_TRUE(m.hello(a));
    auto st = run_command(port, proto::kCmdStatus);
    ASSERT_TRUE(st);
    EXPECT_NE(st->json.find("\"ckptdir\":\"" + ckpt + "\""), std::string::npos) << st->json;
  }
  bool gone = false;
  for (int i = 0; i < 300 && !gone; ++i) {
    gone = exited(daemon_pid);
    usleep(10000);
  }
  EXPECT_TRUE(gone) << "daemon " << daemon_pid << " still running";
  if (!gone) {
    kill(daemon_pid, SIGTERM);
  }
  EXPECT_NE(slurp(ckpt + "/coordinator.log").find("last member left"), std::string::npos);
}

}  // namespace
}  // namespace ckpt::coord::testing
