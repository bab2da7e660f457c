// launcher/remote_restore.cc: see remote_restore.h.
#include "launcher/remote_restore.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
  const char* huge = std::getenv("CKPT_RESTORE_HUGEPAGES");  // `ckpt restart --no-hugepages`
  if (huge != nullptr && huge[0] != '\0') {
    cmd += " CKPT_RESTORE_HUGEPAGES=" + shell_quote(huge);
  }
  if (!launch.part_of.empty()) {
    cmd += " " + shell_quote(launch.ckpt) + " restart --join-coordinator --coord-host " +
           shell_quote(launch.coord.host) + " --coord-port " +
           shell_quote(std::to_string(launch.coord.port)) + " --only-host " +
           shell_quote(launch.part_of);
  } else {
    cmd += " " + shell_quote(launch.loader);
  }
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

namespace {

std::string saved_host(const image::ImageInfo& img) {
  return image::fixed_string(img.header.host, sizeof img.header.host);
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("ckpt");
}

void kill_all(std::vector<RestoredProcess>& children) {
  for (RestoredProcess& c : children) {
    if (c.direct && !c.reaped) {
      kill(c.pid, SIGKILL);
      waitpid(c.pid, nullptr, 0);
      c.reaped = true;
    }
  }
}

// The part saved on `saved`, through one agent to `target`; one entry per image.
Status spawn_part(const Generation& gen, const HostRestart& how, const std::string& saved,
                  const std::string& target, std::vector<RestoredProcess>& children) {
  const image::ImageInfo* root = root_image(gen);
  RemoteLaunch launch{how.agent, target, how.cmd.loader, how.cmd.lazy, gen.dir,
                      how.remote_coord, how.ckpt_dir, saved, self_exe()};
  bool one_agent = !gen.dir.empty();  // loose image files: one loader per image, as before
  pid_t pid = 0;
  if (one_agent) {
    CKPT_TRY_ASSIGN(pid, spawn_remote(launch));
  }
  bool first = true;
  for (const image::ImageInfo& img : gen.images) {
    if (saved_host(img) != saved) {
      continue;
    }
    if (!one_agent) {
      launch.part_of.clear();
      launch.image = img.file;
      CKPT_TRY_ASSIGN(pid, spawn_remote(launch));
    }
    RestoredProcess p{pid, img.file, &img == root, img.header.vpid, target};
    p.direct = first || !one_agent;
    first = false;
    children.push_back(p);
    std::fprintf(stderr, "ckpt restart: %s\n",
                 msg::restoring_remotely(target, img.header.vpid, saved, how.agent).c_str());
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<RestoredProcess>> spawn_on_hosts(const Generation& gen, const HostRestart& how) {
  Generation here{gen.dir, gen.number, gen.job_id, {}};
  std::vector<std::string> moved;  // saved hosts restored elsewhere, in order of appearance
  for (const image::ImageInfo& img : gen.images) {
    std::string saved = saved_host(img);
    if (is_this_host(how.mapping->target_of(saved))) {
      here.images.push_back(img);
    } else if (std::find(moved.begin(), moved.end(), saved) == moved.end()) {
      moved.push_back(saved);
    }
  }
  std::vector<RestoredProcess> children;
  if (!here.images.empty()) {
    CKPT_TRY_ASSIGN(children, spawn_restored(here, how.cmd, how.local_coord, how.ckpt_dir));
  }
  for (const std::string& saved : moved) {
    Status st = spawn_part(gen, how, saved, how.mapping->target_of(saved), children);
    if (!st.is_ok()) {
      kill_all(children);
      return st;
    }
  }
  return children;
}

}  // namespace ckpt::launcher
