// launcher/restore_tree.h: the process tree of a generation and its re-creation by
// `ckpt restart`. Each image's "core.proctree" section (libckpt/image/proctree_section.h)
// gives the process's pid, ppid, process group, session and children (zombies included) at
// checkpoint. Restart forks the tree as it was: every restored process is the child of its
// restored parent (the parent forks its children before it execs the loader), session
// leaders call setsid(), group leaders setpgid(0, 0), members join their leader's group
// once it exists (pipes), and each zombie is a child that exits with its saved status
// without being reaped. A group whose leader is not part of the generation (it exited, or
// never ran under ckpt) is created again by its first member: it forks a placeholder (with
// the saved pgid as its pid when that is free), makes it the leader of a new group, joins
// that group and reaps the placeholder (the group lives on while it has members, and its
// pgid stays reserved); the other members join it. The
// exception is the group the computation was launched in (that of a top process that was
// not orphaned, e.g. the shell's job): its members join `ckpt restart`'s own group. Processes whose parent is not part of the generation (the root,
// orphans) become children of `ckpt restart`. Images without the section (older images)
// keep today's behaviour: one child of `ckpt restart` each, no groups or sessions.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "ckpt/status.h"
#include "launcher/generation_finder.h"

namespace ckpt::launcher {

struct TreeNode {
  const image::ImageInfo* image = nullptr;  // nullptr for a zombie
  int32_t pid = 0;                          // saved ids (real pids at checkpoint)
  int32_t ppid = 0;
  int32_t pgid = 0;  // 0: unknown (image without core.proctree)
  int32_t sid = 0;
  int32_t wait_status = 0;  // zombies: what waitpid() reported for them
  int parent = -1;          // node index, -1: child of `ckpt restart`
  std::vector<int> children;
  int leader = -1;          // node whose pid is our pgid (when it is not us), or -1
  bool leads_others = false;  // some other node joins our group
  // Our group's saved leader is not part of the generation (it exited, or was never under
  // ckpt): we create the group again, led by a short-lived placeholder process.
  bool holds_group = false;
  bool is_zombie() const { return image == nullptr; }
};

struct ProcessTree {
  std::vector<TreeNode> nodes;
  std::vector<int> top;  // children of `ckpt restart`
  int root = -1;         // the node of root_image(gen)
  // Live children listed by a process but without an image of their own (forked or exec'd
  // just before the round, or never under ckpt): they will be missing. One message each.
  std::vector<std::string> missing;
};

// Reads every image's core.proctree section and links the nodes (parents by saved ppid on
// the same host; group leaders by saved pgid).
Result<ProcessTree> build_process_tree(const Generation& gen);

struct SpawnedNode {
  pid_t pid = 0;    // real pid of the re-created process (0 if it never started)
  bool direct = false;  // child of `ckpt restart`
};

// Forks the tree. exec_node(node) runs in the re-created process of each non-zombie node
// once its tree position, session and group are set, and must not return (it execs the
// loader). Returns one entry per node, in node order, once every process has exec'd or
// exited; on failure the processes started are killed.
using ExecNode = std::function<void(const TreeNode&)>;
Result<std::vector<SpawnedNode>> spawn_process_tree(const ProcessTree& tree,
                                                    const ExecNode& exec_node);

}  // namespace ckpt::launcher
