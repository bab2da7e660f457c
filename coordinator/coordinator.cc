// coordinator/coordinator.cc: run_coordinator(): bind, announce the port, optionally become a
// daemon, then run the event loop until the session is finished.
#include "coordinator/coordinator.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "coordinator/generation_store.h"
#include "coordinator/log.h"
#include "coordinator/session.h"
#include "coordinator/str_cat.h"
#include "coordinator/transport.h"

namespace ckpt::coord {

namespace {

// Written to a temporary name and renamed, so a reader never sees a partial number.
Status write_port_file(const std::string& path, int port) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return Status::from_errno(Code::kIo, "writing port file " + tmp);
  }
  fprintf(f, "%d\n", port);
  bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::from_errno(Code::kIo, "writing port file " + path);
    unlink(tmp.c_str());
    return st;
  }
  return Status::ok();
}

std::string absolute(const std::string& path) {
  if (path.empty()) {
    return path;
  }
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

// Where a daemon logs: --log-file, else <ckptdir>/coordinator.log, else ./coordinator.log.
std::string daemon_log_path(const CoordinatorOptions& opts) {
  if (!opts.log_file.empty()) {
    return opts.log_file;
  }
  if (!opts.ckpt_dir.empty() && make_dirs(opts.ckpt_dir).is_ok()) {
    return opts.ckpt_dir + "/coordinator.log";
  }
  return absolute("coordinator.log");
}

// Returns true in the daemon (child), false in the parent, which should return 0.
Result<bool> daemonize() {
  pid_t pid = fork();
  if (pid < 0) {
    return Status::from_errno(Code::kIo, "fork");
  }
  if (pid > 0) {
    return false;
  }
  setsid();
  signal(SIGHUP, SIG_IGN);
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0) {
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    if (null_fd > 2) {
      close(null_fd);
    }
  }
  // The daemon keeps its working directory: it is the checkpoint directory of last resort.
  return true;
}

CoordinatorOptions resolve_paths(const CoordinatorOptions& in) {
  CoordinatorOptions opts = in;
  opts.ckpt_dir = absolute(opts.ckpt_dir);
  opts.log_file = absolute(opts.log_file);
  opts.port_file = absolute(opts.port_file);
  return opts;
}

int event_loop(const CoordinatorOptions& opts, Transport& transport, Log& log, int port) {
  Session session(opts, transport, log, port);
  Status st = session.start();
  if (!st.is_ok()) {
    log.error("cannot start: " + st.message());
    return 1;
  }
  while (!session.finished()) {
    st = transport.run_once(-1);
    if (!st.is_ok()) {
      log.error("event loop: " + st.message());
      return 1;
    }
  }
  transport.flush_all(1000);
  log.info("coordinator exiting");
  return session.exit_code();
}

}  // namespace

int run_coordinator(const CoordinatorOptions& in) {
  CoordinatorOptions opts = resolve_paths(in);
  Log log;
  if (!opts.daemon && !opts.log_file.empty() && !log.open_file(opts.log_file)) {
    log.warn("cannot open log file " + opts.log_file + "; logging to stderr");
  }
  Transport transport;
  Result<int> port = transport.listen(opts.bind_host, opts.port);
  if (!port.is_ok()) {
    log.error("cannot listen: " + port.status().message() +
              " (is another coordinator using this port? try --port 0)");
    return 1;
  }
  if (!opts.port_file.empty()) {
    Status st = write_port_file(opts.port_file, port.value());
    if (!st.is_ok()) {
      log.error(st.message());
      return 1;
    }
  }
  if (opts.daemon) {
    std::string log_path = daemon_log_path(opts);
    Result<bool> child = daemonize();
    if (!child.is_ok()) {
      log.error("cannot become a daemon: " + child.status().message());
      return 1;
    }
    if (!child.value()) {
      return 0;
    }
    log.open_file(log_path);
  }
  log.info(str_cat("listening on ", opts.bind_host, ":", port.value(), " (pid ", getpid(), ")"));
  return event_loop(opts, transport, log, port.value());
}

}  // namespace ckpt::coord
