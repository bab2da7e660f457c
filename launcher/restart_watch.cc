// launcher/restart_watch.cc: see restart_watch.h.
#include "launcher/restart_watch.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <set>
#include <thread>

#include "coordinator/protocol.h"
#include "launcher/coordinator_client.h"
#include "launcher/json_value.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kMarginS = 5;
constexpr double kDefaultTimeoutS = 60;

struct CoordView {
  bool answered = false;
  bool restarting = false;
  double barrier_timeout_s = -1;
  std::set<int32_t> restarted_vpids;
};

CoordView query(const CoordAddress& coord) {
  CoordView view;
  Result<CommandReply> reply =
      send_command(coord, CommandRequest{proto::kCmdStatus, 0, 0, 2.0});
  if (!reply.is_ok() || reply.value().status != 0) {
    return view;
  }
  Result<JsonValue> json = JsonValue::parse(reply.value().text);
  if (!json.is_ok()) {
    return view;
  }
  const JsonValue& j = json.value();
  view.answered = true;
  view.restarting = j["state"].string() == "restarting";
  view.barrier_timeout_s = j["barrier_timeout"].number(-1);
  for (const JsonValue& m : j["members"].items()) {
    if (m["restarted"].boolean()) {
      view.restarted_vpids.insert(static_cast<int32_t>(m["vpid"].integer()));
    }
  }
  return view;
}

// Reaps children that ended; returns the failures (one line each).
std::vector<std::string> reap_ended(std::vector<RestoredProcess>& procs, const std::string& agent) {
  std::vector<std::string> failures;
  for (RestoredProcess& p : procs) {
    int status = 0;
    if (p.reaped || waitpid(p.pid, &status, WNOHANG) != p.pid) {
      continue;
    }
    p.reaped = true;
    p.status = status;
    if (status == 0) {
      continue;  // a short program may finish before we look
    }
    int code = exit_code_of(status);
    failures.push_back(p.host.empty()
                           ? msg::local_restore_failed(p.vpid, p.image, code)
                           : msg::remote_restore_failed(p.host, p.vpid, agent, code));
  }
  return failures;
}

std::vector<std::string> missing_report(const std::vector<RestoredProcess>& procs,
                                        const std::set<int32_t>& joined, const CoordAddress& coord,
                                        double elapsed_s) {
  std::vector<std::string> lines;
  for (const RestoredProcess& p : procs) {
    if (joined.count(p.vpid) == 0 && !p.reaped) {
      lines.push_back(msg::restore_never_joined(p.host, p.vpid, coord.str(), elapsed_s));
    }
  }
  return lines;
}

Status failure(const std::vector<std::string>& lines) {
  std::string text = msg::restart_failed_on_hosts();
  for (const std::string& l : lines) {
    text += "\n  " + l;
  }
  return Status(Code::kUnavailable, text);
}

}  // namespace

Status watch_restart(std::vector<RestoredProcess>& procs, const WatchConfig& config) {
  std::set<int32_t> joined;
  Clock::time_point start = Clock::now();
  double timeout_s = config.timeout_s;
  for (;;) {
    std::vector<std::string> failed = reap_ended(procs, config.agent);
    CoordView view = query(config.coord);
    joined.insert(view.restarted_vpids.begin(), view.restarted_vpids.end());
    double elapsed =
        static_cast<int>(std::chrono::duration<double>(Clock::now() - start).count() * 10) / 10.0;
    std::vector<std::string> missing = missing_report(procs, joined, config.coord, elapsed);
    if (!failed.empty()) {  // the ones that never joined are the likely cause: first
      missing.insert(missing.end(), failed.begin(), failed.end());
      return failure(missing);
    }
    if (timeout_s < 0 && view.barrier_timeout_s > 0) {
      timeout_s = view.barrier_timeout_s + kMarginS;
    }
    if (missing.empty() && view.answered && !view.restarting) {
      return Status::ok();
    }
    if (elapsed > (timeout_s > 0 ? timeout_s : kDefaultTimeoutS + kMarginS)) {
      if (missing.empty()) {
        missing.push_back(msg::restart_round_stuck(config.coord.str(), elapsed));
      }
      return failure(missing);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void abandon_restart(std::vector<RestoredProcess>& procs, const CoordAddress& coord,
                     bool quit_coordinator) {
  Result<CommandReply> ignored = send_command(coord, CommandRequest{proto::kCmdKill, 0, 0, 2.0});
  if (quit_coordinator) {
    ignored = send_command(coord, CommandRequest{proto::kCmdQuit, 0, 0, 2.0});
  }
  (void)ignored;
  for (RestoredProcess& p : procs) {
    if (!p.reaped) {
      kill(p.pid, SIGKILL);
    }
  }
  for (RestoredProcess& p : procs) {
    if (!p.reaped) {
      int status = 0;
      while (waitpid(p.pid, &status, 0) < 0 && errno == EINTR) {
      }
      p.reaped = true;
      p.status = status;
    }
  }
}

}  // namespace ckpt::launcher
