// launcher/remote_restore.cc: see remote_restore.h.
#include "launcher/remote_restore.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "launcher/host_map.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

std::string resolve_rsh_agent(const std::string& flag) {
  if (!flag.empty()) {
    return flag;
  }
  const char* env = std::getenv("CKPT_RSH_AGENT");
  return (env != nullptr && env[0] != '\0') ? env : "ssh";
}

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

std::string remote_command(const RemoteLaunch& launch) {
  std::string cmd = "exec env";
  cmd += " CKPT_COORD_HOST=" + shell_quote(launch.coord.host);
  cmd += " CKPT_COORD_PORT=" + shell_quote(std::to_string(launch.coord.port));
  cmd += " CKPT_CKPTDIR=" + shell_quote(launch.ckpt_dir);
  const char* log = std::getenv("CKPT_LOG");
  if (log != nullptr && log[0] != '\0') {
    cmd += " CKPT_LOG=" + shell_quote(log);
  }
  const char* files = std::getenv("CKPT_RESTORE_FILES");  // `ckpt restart --restore-files`
  if (files != nullptr && files[0] == '1') {
    cmd += " CKPT_RESTORE_FILES=1";
  }
  cmd += " " + shell_quote(launch.loader);
  if (launch.lazy) {
    cmd += " --lazy";
  }
  return cmd + " " + shell_quote(launch.image);
}

Result<pid_t> spawn_remote(const RemoteLaunch& launch) {
  std::vector<std::string> words = split_list(launch.agent, ' ');
  if (words.empty()) {
    return Status(Code::kInvalid, msg::bad_rsh_agent(launch.agent));
  }
  words.push_back(launch.host);
  words.push_back(remote_command(launch));
  std::vector<char*> argv;
  for (std::string& w : words) {
    argv.push_back(w.data());
  }
  argv.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    return Status::from_errno(Code::kIo, "fork for the agent to " + launch.host);
  }
  if (pid == 0) {
    execvp(argv[0], argv.data());
    std::string line =
        "ckpt restart: " + msg::agent_exec_failed(words[0], launch.host, errno) + "\n";
    ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
    _exit(127);
  }
  return pid;
}

}  // namespace ckpt::launcher

namespace ckpt::launcher {

bool is_this_host(const std::string& host) { return is_local_host(host); }

Result<std::vector<RestoredProcess>> spawn_on_hosts(const Generation& gen, const HostRestart& how) {
  const image::ImageInfo* root = root_image(gen);
  std::vector<RestoredProcess> children;
  for (const image::ImageInfo& img : gen.images) {
    std::string saved = image::fixed_string(img.header.host, sizeof img.header.host);
    const std::string& target = how.mapping->target_of(saved);
    bool local = is_this_host(target);
    Result<pid_t> pid =
        local ? spawn_loader(how.cmd, img.file, how.local_coord, how.ckpt_dir)
              : spawn_remote(RemoteLaunch{how.agent, target, how.cmd.loader, how.cmd.lazy,
                                          img.file, how.remote_coord, how.ckpt_dir});
    if (!pid.is_ok()) {
      for (RestoredProcess& c : children) {
        kill(c.pid, SIGKILL);
        waitpid(c.pid, nullptr, 0);
      }
      return pid.status();
    }
    children.push_back(RestoredProcess{pid.value(), img.file, &img == root, img.header.vpid,
                                       local ? "" : target});
    if (!local) {
      std::fprintf(stderr, "ckpt restart: %s\n",
                   msg::restoring_remotely(target, img.header.vpid, saved, how.agent).c_str());
    }
  }
  return children;
}

}  // namespace ckpt::launcher
