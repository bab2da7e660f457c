// launcher/restore_tree.cc: see restore_tree.h.
//
// Spawning runs in `ckpt restart` (single-threaded) and in its forked children before they
// exec the loader. Every re-created process reports to `ckpt restart` through one pipe
// (a Report per process, atomic because it is smaller than PIPE_BUF): its real pid when it
// is about to exec (or to die as a zombie), or the step that failed. The write end is
// close-on-exec, so `ckpt restart` reads until EOF: then every process has exec'd or exited.
// A group leader that others join has a "ready" pipe: the leader and its ancestors (the
// only holders of the write end) close it once the leader's group exists and every child
// is forked, so a member waiting for EOF never waits for its own descendants.
// A re-created process whose new pid is the saved pid of another process of the tree is
// replaced (it exits at once and is forked again), so the pid plugin never confuses them.
#include "launcher/restore_tree.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "launcher/fork_with_pid.h"
#include "launcher/messages.h"
#include "libckpt/image/proctree_section.h"

namespace ckpt::launcher {

namespace {

// ---------------------------------------------------------------- reading the tree

struct Saved {
  image::ProcTreeHeader head{};
  std::vector<image::ProcTreeChild> children;
  bool present = false;
};

Result<Saved> read_proctree(const image::ImageInfo& img) {
  Saved s;
  for (const image::SectionInfo& sec : img.sections) {
    if (sec.name != image::kProcTreeSectionName) {
      continue;
    }
    if (sec.entry.version != image::kProcTreeSectionVersion) {
      return Status(Code::kUnsupported,
                    msg::bad_proctree_section(img.file, "has version " +
                                                            std::to_string(sec.entry.version)));
    }
    std::vector<char> body(sec.entry.size);
    int fd = open(img.file.c_str(), O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : pread(fd, body.data(), body.size(), sec.entry.offset);
    if (fd >= 0) {
      close(fd);
    }
    if (n != static_cast<ssize_t>(body.size()) || body.size() < sizeof s.head) {
      return Status(Code::kCorrupt, msg::bad_proctree_section(img.file, "cannot be read"));
    }
    std::memcpy(&s.head, body.data(), sizeof s.head);
    size_t want = sizeof s.head + s.head.nchildren * sizeof(image::ProcTreeChild);
    if (s.head.nchildren > image::kProcTreeMaxChildren || want != body.size()) {
      return Status(Code::kCorrupt, msg::bad_proctree_section(img.file, "has a bad length"));
    }
    s.children.resize(s.head.nchildren);
    std::memcpy(s.children.data(), body.data() + sizeof s.head,
                s.children.size() * sizeof(image::ProcTreeChild));
    s.present = true;
  }
  return s;
}

int find_pid(const ProcessTree& t, int32_t pid, const std::string& host) {
  for (size_t i = 0; pid > 0 && i < t.nodes.size(); ++i) {
    const TreeNode& n = t.nodes[i];
    std::string h = n.image != nullptr ? image::fixed_string(n.image->header.host,
                                                             sizeof n.image->header.host)
                                       : host;
    if (n.pid == pid && h == host) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Zombies become nodes whose parent is the image that listed them.
void add_zombies(ProcessTree& t, int parent, const Saved& s) {
  for (const image::ProcTreeChild& c : s.children) {
    if (c.state != image::kChildZombie) {
      continue;
    }
    TreeNode z;
    z.pid = c.pid;
    z.ppid = s.head.pid;
    z.pgid = c.pgid;
    z.sid = c.sid;
    z.wait_status = c.wait_status;
    z.parent = parent;
    t.nodes.push_back(z);
  }
}

std::string host_of(const ProcessTree& t, int i) {
  while (t.nodes[i].image == nullptr) {
    i = t.nodes[i].parent;
  }
  return image::fixed_string(t.nodes[i].image->header.host, sizeof t.nodes[i].image->header.host);
}

void link_nodes(ProcessTree& t) {
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    TreeNode& n = t.nodes[i];
    std::string host = host_of(t, static_cast<int>(i));
    if (n.image != nullptr && n.pgid != 0) {  // zombies have their parent already
      n.parent = find_pid(t, n.ppid, host);
    }
    if (n.parent == static_cast<int>(i)) {
      n.parent = -1;
    }
    int leader = n.pgid != n.pid ? find_pid(t, n.pgid, host) : -1;
    n.leader = leader;
    if (leader >= 0) {
      t.nodes[leader].leads_others = true;
    }
  }
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    int p = t.nodes[i].parent;
    (p >= 0 ? t.nodes[p].children : t.top).push_back(static_cast<int>(i));
  }
}

// True if pgid is the group the computation was launched in: that of a top process that was
// not orphaned (saved ppid > 1), on the same host.
bool launched_in(const ProcessTree& t, int32_t pgid, const std::string& host) {
  for (int i : t.top) {
    const TreeNode& n = t.nodes[i];
    if (n.pgid == pgid && (n.ppid > 1 || i == t.root) && host_of(t, i) == host) {
      return true;
    }
  }
  return false;
}

// Groups whose leader is not in the tree (and which are not the launch group): the first
// live member creates the group again, the other members join it.
void elect_group_holders(ProcessTree& t) {
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    TreeNode& n = t.nodes[i];
    std::string host = host_of(t, static_cast<int>(i));
    if (n.pgid == 0 || n.pgid == n.pid || n.leader >= 0 || n.sid == n.pid ||
        launched_in(t, n.pgid, host)) {
      continue;
    }
    int holder = -1;
    for (size_t j = 0; j < t.nodes.size() && holder < 0; ++j) {
      const TreeNode& m = t.nodes[j];
      if (m.pgid == n.pgid && !m.is_zombie() && (m.holds_group || m.leader < 0) &&
          host_of(t, static_cast<int>(j)) == host) {
        holder = static_cast<int>(j);
      }
    }
    if (holder < 0 || holder == static_cast<int>(i)) {
      n.holds_group = holder >= 0;
      continue;
    }
    t.nodes[holder].holds_group = true;
    t.nodes[holder].leads_others = true;
    n.leader = holder;
  }
}

void note_missing_children(ProcessTree& t, const std::vector<Saved>& saved) {
  for (size_t i = 0; i < saved.size(); ++i) {
    std::string host = host_of(t, static_cast<int>(i));
    for (const image::ProcTreeChild& c : saved[i].children) {
      if (c.state == image::kChildLive && find_pid(t, c.pid, host) < 0) {
        t.missing.push_back(msg::child_not_in_generation(t.nodes[i].image->file, t.nodes[i].pid,
                                                         c.pid));
      }
    }
  }
}

}  // namespace

Result<ProcessTree> build_process_tree(const Generation& gen) {
  ProcessTree t;
  t.nodes.reserve(gen.images.size());
  std::vector<Saved> saved;
  for (const image::ImageInfo& img : gen.images) {
    CKPT_TRY_ASSIGN(Saved s, read_proctree(img));
    TreeNode n;
    n.image = &img;
    n.pid = s.present ? s.head.pid : img.header.pid;
    n.ppid = s.present ? s.head.ppid : img.header.ppid;
    n.pgid = s.present ? s.head.pgid : 0;
    n.sid = s.present ? s.head.sid : 0;
    t.nodes.push_back(n);
    saved.push_back(std::move(s));
  }
  for (size_t i = 0; i < saved.size(); ++i) {
    add_zombies(t, static_cast<int>(i), saved[i]);
  }
  link_nodes(t);
  note_missing_children(t, saved);
  const image::ImageInfo* root = root_image(gen);
  for (size_t i = 0; i < gen.images.size(); ++i) {
    if (&gen.images[i] == root) {
      t.root = static_cast<int>(i);
    }
  }
  elect_group_holders(t);
  return t;
}

// ---------------------------------------------------------------- spawning the tree

namespace {

enum Stage : int32_t { kExec = 0, kZombie, kFork, kSetsid, kSetpgid, kJoinGroup };

const char* stage_name(int32_t s) {
  switch (s) {
    case kFork: return "fork";
    case kSetsid: return "setsid";
    case kSetpgid: return "setpgid";
    case kJoinGroup: return "joining the process group";
    default: return "exec";
  }
}

struct Report {
  int32_t node;
  int32_t pid;
  int32_t stage;
  int32_t err;  // 0 for kExec/kZombie
};

constexpr int kGroupWaitMs = 30000;
constexpr int kMaxForkRetries = 64;

// What every process of the spawn shares (copied into each child by fork).
struct Spawn {
  const ProcessTree* tree = nullptr;
  const ExecNode* exec_node = nullptr;
  int report_fd = -1;                 // write end (close-on-exec)
  std::vector<int> ready_read;        // per node, -1 if nobody joins its group
  std::vector<int> ready_write;       // -1 once closed in this process
  volatile int32_t* pids = nullptr;   // MAP_SHARED: real pid of each node
  pid_t restart_pgid = 0;
  pid_t restart_sid = 0;
};

void send_report(const Spawn& sp, int node, int32_t stage, int err) {
  Report r{node, static_cast<int32_t>(getpid()), stage, err};
  ssize_t ignored = write(sp.report_fd, &r, sizeof r);
  (void)ignored;
}

[[noreturn]] void node_failed(const Spawn& sp, int node, int32_t stage) {
  send_report(sp, node, stage, errno != 0 ? errno : EIO);
  _exit(126);
}

bool in_subtree(const ProcessTree& t, int node, int top) {
  for (int i = node; i >= 0; i = t.nodes[i].parent) {
    if (i == top) {
      return true;
    }
  }
  return false;
}

void close_ready(Spawn& sp, int i) {
  if (sp.ready_write[i] >= 0) {
    close(sp.ready_write[i]);
    sp.ready_write[i] = -1;
  }
}

bool collides(const Spawn& sp, int idx, pid_t pid);

// A group whose saved leader is gone: a placeholder child becomes the leader of a new group,
// we join it, and the placeholder is killed and reaped (the group lives on with us in it;
// the kernel does not hand out its pgid as a pid meanwhile). The placeholder is forked with
// the saved pgid as its pid when that is free, so the group gets its old number back;
// otherwise the pid plugin of each member maps the saved pgid to the new one.
void hold_group(Spawn& sp, int idx) {
  int32_t saved_pgid = sp.tree->nodes[idx].pgid;
  for (int attempt = 0; attempt <= kMaxForkRetries; ++attempt) {
    pid_t q = fork_with_pid(attempt == 0 ? saved_pgid : 0);
    if (q < 0) {
      node_failed(sp, idx, kSetpgid);
    }
    if (q == 0) {
      for (;;) {
        pause();
      }
    }
    bool retry = attempt < kMaxForkRetries && q != saved_pgid && collides(sp, -1, q);
    bool ok = retry || (setpgid(q, q) == 0 && setpgid(0, q) == 0);
    int err = errno;
    kill(q, SIGKILL);
    waitpid(q, nullptr, 0);
    if (!ok) {
      errno = err;
      node_failed(sp, idx, kSetpgid);
    }
    if (!retry) {
      return;
    }
  }
}

// Sessions and own groups first: children forked afterwards inherit them.
void set_own_ids(Spawn& sp, int idx) {
  const TreeNode& n = sp.tree->nodes[idx];
  if (n.pgid == 0) {
    return;  // older image: no saved ids
  }
  if (n.sid == n.pid) {
    if (setsid() < 0) {
      node_failed(sp, idx, kSetsid);
    }
  } else if (n.pgid == n.pid) {
    if (setpgid(0, 0) < 0) {
      node_failed(sp, idx, kSetpgid);
    }
  } else if (n.holds_group) {
    hold_group(sp, idx);
  } else if (n.leader < 0 && getpgrp() != sp.restart_pgid && getsid(0) == sp.restart_sid) {
    setpgid(0, sp.restart_pgid);  // a group outside the tree: `ckpt restart`'s own
  }
}

// Joins the group of another node once its leader has set it up (EOF on its ready pipe).
void join_group(Spawn& sp, int idx) {
  const TreeNode& n = sp.tree->nodes[idx];
  if (n.leader < 0) {
    return;
  }
  struct pollfd pfd {sp.ready_read[n.leader], POLLIN, 0};
  char c;
  int rc;
  while ((rc = poll(&pfd, 1, kGroupWaitMs)) < 0 && errno == EINTR) {
  }
  if (rc <= 0 || read(pfd.fd, &c, 1) != 0) {
    errno = ETIMEDOUT;
    node_failed(sp, idx, kJoinGroup);
  }
  pid_t leader = sp.pids[n.leader];
  pid_t pgid = leader > 0 && sp.tree->nodes[n.leader].holds_group ? getpgid(leader) : leader;
  if (leader <= 0 || pgid <= 0 || setpgid(0, pgid) < 0) {
    // Not fatal: the process runs on in its parent's group (job control signals to the
    // saved group then miss it). Reported so that the user knows.
    char line[200];
    int len = snprintf(line, sizeof line,
                       "ckpt restart: warning: process %d (its pid at checkpoint) could not join "
                       "process group %d again (%s); it stays in its parent's group\n",
                       static_cast<int>(n.pid), static_cast<int>(n.pgid), strerror(errno));
    if (len > 0) (void)!write(2, line, static_cast<size_t>(len));
  }
}

// A zombie: exits the way the saved child did, and nobody reaps it until the application does.
[[noreturn]] void die_like(int status) {
  if (WIFSIGNALED(status)) {
    struct rlimit none {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    signal(WTERMSIG(status), SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, WTERMSIG(status));
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    kill(getpid(), WTERMSIG(status));
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

pid_t fork_node(Spawn& sp, int idx);

[[noreturn]] void run_node(Spawn& sp, int idx) {
  const ProcessTree& t = *sp.tree;
  const TreeNode& n = t.nodes[idx];
  sp.pids[idx] = getpid();
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    if (!in_subtree(t, static_cast<int>(i), idx)) {
      close_ready(sp, static_cast<int>(i));
    }
  }
  signal(SIGCHLD, SIG_DFL);  // children must stay zombies until the application reaps them
  set_own_ids(sp, idx);
  close_ready(sp, idx);  // our group exists
  std::vector<pid_t> zombies;
  for (int c : n.children) {
    pid_t pid = fork_node(sp, c);
    if (pid < 0) {
      node_failed(sp, c, kFork);
    }
    if (t.nodes[c].is_zombie()) {
      zombies.push_back(pid);
    }
  }
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    close_ready(sp, static_cast<int>(i));
  }
  for (pid_t z : zombies) {  // dead (not reaped) before the application can look
    siginfo_t si;
    while (waitid(P_PID, static_cast<id_t>(z), &si, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
  }
  join_group(sp, idx);
  if (n.is_zombie()) {
    send_report(sp, idx, kZombie, 0);
    die_like(n.wait_status);
  }
  send_report(sp, idx, kExec, 0);
  (*sp.exec_node)(n);
  node_failed(sp, idx, kExec);
}

// True if `pid` is the saved pid of another process of the tree, or the saved pgid of a
// group re-created without its leader: the pid plugin would take a process with that real
// pid for the other one (or for the group).
bool collides(const Spawn& sp, int idx, pid_t pid) {
  for (size_t j = 0; j < sp.tree->nodes.size(); ++j) {
    const TreeNode& n = sp.tree->nodes[j];
    if ((static_cast<int>(j) != idx && n.pid == pid) || (n.holds_group && n.pgid == pid)) {
      return true;
    }
  }
  return false;
}

// Forks node idx, with its saved pid if that is free; a child whose new pid collides exits
// at once and is forked again.
pid_t fork_node(Spawn& sp, int idx) {
  for (int attempt = 0;; ++attempt) {
    bool last = attempt >= kMaxForkRetries;
    pid_t pid = fork_with_pid(attempt == 0 ? sp.tree->nodes[idx].pid : 0);
    if (pid == 0) {
      if (!last && collides(sp, idx, getpid())) {
        _exit(0);
      }
      run_node(sp, idx);
    }
    if (pid < 0 || last || !collides(sp, idx, pid)) {
      return pid;
    }
    waitpid(pid, nullptr, 0);
  }
}

Status make_pipes(Spawn& sp, int report[2]) {
  const ProcessTree& t = *sp.tree;
  sp.ready_read.assign(t.nodes.size(), -1);
  sp.ready_write.assign(t.nodes.size(), -1);
  if (pipe2(report, O_CLOEXEC) < 0) {
    return Status::from_errno(Code::kIo, "pipe for the restart reports");
  }
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    int p[2];
    if (t.nodes[i].leads_others) {
      if (pipe2(p, O_CLOEXEC) < 0) {
        return Status::from_errno(Code::kIo, "pipe for a process group");
      }
      sp.ready_read[i] = p[0];
      sp.ready_write[i] = p[1];
    }
  }
  return Status::ok();
}

// Reads reports until every process has exec'd or exited (EOF).
Status collect_reports(const Spawn& sp, int fd, std::vector<SpawnedNode>& out) {
  Status failure = Status::ok();
  Report r;
  for (;;) {
    ssize_t n = read(fd, &r, sizeof r);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n != static_cast<ssize_t>(sizeof r)) {
      break;
    }
    if (r.node < 0 || static_cast<size_t>(r.node) >= out.size()) {
      continue;
    }
    if (r.stage == kExec || r.stage == kZombie) {
      out[r.node].pid = r.pid;
    } else if (failure.is_ok()) {
      failure = Status(Code::kIo, msg::tree_step_failed(sp.tree->nodes[r.node].pid,
                                                        stage_name(r.stage), r.err));
    }
  }
  size_t started = 0;
  for (const SpawnedNode& s : out) {
    started += s.pid > 0 ? 1 : 0;
  }
  if (failure.is_ok() && started != out.size()) {
    failure = Status(Code::kIo, msg::tree_incomplete(started, out.size()));
  }
  return failure;
}

void kill_started(const ProcessTree& t, const std::vector<SpawnedNode>& nodes) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].pid > 0 && !t.nodes[i].is_zombie()) {
      kill(nodes[i].pid, SIGKILL);
    }
  }
}

}  // namespace

Result<std::vector<SpawnedNode>> spawn_process_tree(const ProcessTree& tree,
                                                    const ExecNode& exec_node) {
  Spawn sp;
  sp.tree = &tree;
  sp.exec_node = &exec_node;
  sp.restart_pgid = getpgrp();
  sp.restart_sid = getsid(0);
  size_t bytes = (tree.nodes.size() + 1) * sizeof(int32_t);
  void* shared = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    return Status::from_errno(Code::kIo, "shared memory for the process tree");
  }
  sp.pids = static_cast<volatile int32_t*>(shared);
  int report[2] = {-1, -1};
  Status s = make_pipes(sp, report);
  sp.report_fd = report[1];
  std::vector<SpawnedNode> out(tree.nodes.size());
  std::fflush(nullptr);
  for (int i : tree.top) {
    if (!s.is_ok()) {
      break;
    }
    pid_t pid = fork_node(sp, i);
    if (pid < 0) {
      s = Status::from_errno(Code::kIo, "fork");
    } else {
      out[i].direct = true;
    }
  }
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    close_ready(sp, static_cast<int>(i));
  }
  if (report[1] >= 0) {
    close(report[1]);
  }
  if (report[0] >= 0) {
    Status r = collect_reports(sp, report[0], out);
    if (s.is_ok()) {
      s = r;
    }
    close(report[0]);
  }
  for (int fd : sp.ready_read) {
    if (fd >= 0) {
      close(fd);
    }
  }
  munmap(shared, bytes);
  if (!s.is_ok()) {
    kill_started(tree, out);
    return s;
  }
  return out;
}

}  // namespace ckpt::launcher
