// launcher/slurm_nodes.cc: see slurm_nodes.h.
#include "launcher/slurm_nodes.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// Parses a non-negative decimal environment value; -1 when absent or malformed.
int env_index(const char* name) {
  std::string text = env_or_empty(name);
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  return std::atoi(text.c_str());
}

// Runs argv (PATH search) and returns its stdout; fails when it cannot run or exits non-zero.
Result<std::string> capture_output(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Status::from_errno(Code::kIo, "pipe");
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return Status::from_errno(Code::kIo, "fork");
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (const std::string& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return Status(Code::kUnavailable, msg::command_exit(args[0], code));
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> expand_slurm_hostlist(const std::string& list) {
  Result<std::string> out = capture_output({"scontrol", "show", "hostnames", list});
  if (!out.is_ok()) {
    return Status(Code::kUnavailable, msg::slurm_hostlist_failed(list, out.status().message()));
  }
  std::vector<std::string> names;
  size_t start = 0;
  const std::string& text = out.value();
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end;
    if (end > start) {
      names.push_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  if (names.empty()) {
    return Status(Code::kInvalid, msg::slurm_hostlist_failed(list, "no names"));
  }
  return names;
}

Result<SlurmStepNodes> slurm_step_nodes() {
  SlurmStepNodes step;
  step.node_id = env_index("SLURM_NODEID");
  if (step.node_id < 0) {
    return Status(Code::kInvalid, msg::slurm_env_missing("SLURM_NODEID"));
  }
  step.local_id = std::max(0, env_index("SLURM_LOCALID"));
  for (const char* var : {"SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST", "SLURM_NODELIST"}) {
    step.nodelist = env_or_empty(var);
    if (!step.nodelist.empty()) {
      break;
    }
  }
  if (step.nodelist.empty()) {
    return Status(Code::kInvalid, msg::slurm_env_missing("SLURM_STEP_NODELIST"));
  }
  CKPT_TRY_ASSIGN(step.nodes, expand_slurm_hostlist(step.nodelist));
  if (static_cast<size_t>(step.node_id) >= step.nodes.size()) {
    return Status(Code::kInvalid,
                  msg::slurm_node_id_outside(step.node_id, step.nodelist, step.nodes.size()));
  }
  return step;
}

}  // namespace ckpt::launcher
