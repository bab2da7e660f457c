// launcher/restore_runner.cc: see restore_runner.h.
#include "launcher/restore_runner.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "launcher/messages.h"
#include "launcher/restore_tree.h"
#include "launcher/saved_pids.h"

namespace ckpt::launcher {

namespace {

// How long `ckpt restart` waits, in all, for saved pids held by zombies or exiting processes
// (pid 1 of a container may reap only about once a second).
constexpr int kSavedPidWaitMs = 2000;

// Children to forward signals to. A fixed array because a signal handler reads it: written
// once before the handlers are installed, never resized (no allocation in the handler).
pid_t g_children[4096];
size_t g_child_count = 0;

extern "C" void forward_signal(int sig) {
  int saved = errno;
  for (size_t i = 0; i < g_child_count; ++i) {
    kill(g_children[i], sig);
  }
  errno = saved;
}

void install_forwarding(const std::vector<RestoredProcess>& children) {
  g_child_count = 0;
  for (const RestoredProcess& c : children) {
    if (g_child_count < sizeof g_children / sizeof g_children[0]) {
      g_children[g_child_count++] = c.pid;
    }
  }
  struct sigaction sa {};
  sa.sa_handler = forward_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

[[noreturn]] void exec_loader(const RestoreCommand& cmd, const std::string& image,
                              const CoordAddress& addr, const std::string& ckpt_dir) {
  setenv("CKPT_COORD_HOST", addr.host.c_str(), 1);
  setenv("CKPT_COORD_PORT", std::to_string(addr.port).c_str(), 1);
  setenv("CKPT_CKPTDIR", ckpt_dir.c_str(), 1);
  std::vector<char*> argv{const_cast<char*>(cmd.loader.c_str())};
  if (cmd.lazy) {
    argv.push_back(const_cast<char*>("--lazy"));
  }
  argv.push_back(const_cast<char*>(image.c_str()));
  argv.push_back(nullptr);
  execv(cmd.loader.c_str(), argv.data());
  std::string line = "ckpt restart: " + msg::exec_failed(cmd.loader, errno) + "\n";
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
  _exit(127);
}

void note_end(RestoredProcess& c, int status) {
  c.reaped = true;
  c.status = status;
  if (!c.host.empty() && status != 0) {
    std::fprintf(stderr, "ckpt restart: %s\n",
                 msg::remote_process_failed(c.host, c.vpid, c.image, exit_code_of(status)).c_str());
  }
}

}  // namespace

int exit_code_of(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

Result<pid_t> spawn_loader(const RestoreCommand& cmd, const std::string& image,
                           const CoordAddress& addr, const std::string& ckpt_dir) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    return Status::from_errno(Code::kIo, "fork for " + image);
  }
  if (pid == 0) {
    exec_loader(cmd, image, addr, ckpt_dir);
  }
  return pid;
}

Result<std::vector<RestoredProcess>> spawn_restored(const Generation& gen, const RestoreCommand& cmd,
                                                    const CoordAddress& addr,
                                                    const std::string& ckpt_dir) {
  CKPT_TRY_ASSIGN(ProcessTree tree, build_process_tree(gen));
  for (const std::string& line : tree.missing) {
    std::fprintf(stderr, "ckpt restart: %s\n", line.c_str());
  }
  std::string given_up =
      saved_pid_report(wait_for_saved_pids(saved_ids(tree), kSavedPidWaitMs));
  if (!given_up.empty()) {
    std::fprintf(stderr, "ckpt restart: %s\n", given_up.c_str());
  }
  ExecNode exec_node = [&](const TreeNode& node) {
    exec_loader(cmd, node.image->file, addr, ckpt_dir);
  };
  CKPT_TRY_ASSIGN(std::vector<SpawnedNode> spawned, spawn_process_tree(tree, exec_node));
  // The root's exit status is ours: the root itself, or the child of ours above it.
  int root = tree.root;
  while (root >= 0 && tree.nodes[root].parent >= 0) {
    root = tree.nodes[root].parent;
  }
  std::vector<RestoredProcess> children;
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    const TreeNode& n = tree.nodes[i];
    if (!n.is_zombie()) {
      RestoredProcess c{spawned[i].pid, n.image->file, static_cast<int>(i) == root,
                        n.image->header.vpid};
      c.direct = spawned[i].direct;
      children.push_back(c);
    }
  }
  return children;
}

int wait_restored(std::vector<RestoredProcess>& children) {
  install_forwarding(children);
  int root_status = 0;
  size_t left = 0;
  for (const RestoredProcess& c : children) {
    left += (c.reaped || !c.direct) ? 0 : 1;  // only our own children can be waited for
    root_status = c.is_root && c.reaped ? c.status : root_status;
  }
  while (left > 0) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;  // ECHILD: nothing left
    }
    for (RestoredProcess& c : children) {
      if (c.pid == pid && !c.reaped && c.direct) {
        --left;
        note_end(c, status);
        if (c.is_root) {
          root_status = status;
        }
      }
    }
  }
  if (WIFSIGNALED(root_status)) {
    int sig = WTERMSIG(root_status);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    raise(sig);
  }
  return exit_code_of(root_status);
}

}  // namespace ckpt::launcher
