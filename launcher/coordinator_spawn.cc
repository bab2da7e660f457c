// launcher/coordinator_spawn.cc: see coordinator_spawn.h.
#include "launcher/coordinator_spawn.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "launcher/coordinator_client.h"
#include "launcher/hwloc_summary.h"
#include "launcher/messages.h"
#include "launcher/paths.h"

namespace ckpt::launcher {

namespace {

constexpr double kStartTimeoutS = 10.0;

std::string format_seconds(double s) {
  std::string text = std::to_string(s);
  while (text.find('.') != std::string::npos && (text.back() == '0' || text.back() == '.')) {
    text.pop_back();
  }
  return text;
}

std::vector<std::string> coordinator_argv(const CoordinatorNeed& need, int port,
                                          const std::string& port_file) {
  std::vector<std::string> args{self_exe(), "coordinator", "--daemon", "--exit-on-last",
                                "--port", std::to_string(port), "--port-file", port_file,
                                "--ckptdir", need.ckpt_dir};
  if (need.interval && *need.interval > 0) {
    args.insert(args.end(), {"--interval", std::to_string(*need.interval)});
  }
  if (need.barrier_timeout >= 0) {
    args.insert(args.end(), {"--barrier-timeout", format_seconds(need.barrier_timeout)});
  }
  if (need.keep >= 0) {
    args.insert(args.end(), {"--keep", std::to_string(need.keep)});
  }
  if (!need.job_id.empty()) {
    args.insert(args.end(), {"--job-id", need.job_id});
  }
  if (!need.bind.empty()) {
    args.insert(args.end(), {"--bind", need.bind});
  }
  return args;
}

// Runs the daemonizing coordinator and waits for its foreground part to return.
Status run_daemon(const std::vector<std::string>& args, const std::string& where) {
  std::vector<char*> argv;
  for (const std::string& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    return Status::from_errno(Code::kIo, "fork");
  }
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return Status(Code::kUnavailable, msg::coordinator_start_failed(where, code));
  }
  return Status::ok();
}

Result<int> read_port(const std::string& port_file) {
  std::ifstream in(port_file);
  std::string text;
  if (!(in >> text)) {
    return Status(Code::kUnavailable, msg::bad_port_file(port_file));
  }
  return parse_port(text, "port file " + port_file);
}

Result<CoordAddress> start_coordinator(CoordAddress addr, const CoordinatorNeed& need) {
  std::string port_file = need.flags.port_file;
  bool temp = port_file.empty();
  if (temp) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string templ = std::string(tmpdir != nullptr ? tmpdir : "/tmp") + "/ckpt-port-XXXXXX";
    int fd = mkstemp(templ.data());
    if (fd < 0) {
      return Status::from_errno(Code::kIo, "creating a port file in " + templ);
    }
    close(fd);
    port_file = templ;
  } else {
    unlink(port_file.c_str());  // a stale file from an earlier coordinator
  }
  export_hwloc_summary();  // the coordinator records this host's topology in index.h5
  Status started = run_daemon(coordinator_argv(need, addr.port, port_file), addr.str());
  Result<int> port = started.is_ok() ? read_port(port_file) : Result<int>(started);
  if (temp) {
    unlink(port_file.c_str());
  }
  CKPT_TRY(port.status());
  addr.port = port.value();
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int>(kStartTimeoutS * 1000));
  while (!coordinator_answers(addr, 1.0)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status(Code::kTimeout, msg::coordinator_not_answering(addr.str(), kStartTimeoutS));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return addr;
}

}  // namespace

Result<CoordinatorFound> ensure_coordinator(const CoordinatorNeed& need) {
  CoordFlags flags = need.flags;
  if (need.force_new) {
    flags.port_file.clear();  // the file names where the new coordinator writes, not reads
  }
  CKPT_TRY_ASSIGN(CoordAddress addr, resolve_coord_address(flags));
  if (!need.force_new && addr.port != 0 && coordinator_answers(addr, kConnectTimeoutS)) {
    return CoordinatorFound{addr, false};
  }
  if (need.join_only) {
    return Status(Code::kUnavailable, msg::join_no_coordinator(addr.str()));
  }
  if (!is_local_host(addr.host)) {
    return Status(Code::kUnavailable, msg::coordinator_not_local(addr.str()));
  }
  CKPT_TRY_ASSIGN(CoordAddress started, start_coordinator(addr, need));
  return CoordinatorFound{started, true};
}

}  // namespace ckpt::launcher
