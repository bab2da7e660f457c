// libckpt/image/proctree_section.h: body of the image section "core.proctree" (version 1),
// written by libckpt (core/process_tree.cc) and read by `ckpt restart` (launcher/
// restore_tree.cc) to rebuild the process tree: the process's ids at checkpoint and its
// children, zombies included (a zombie is not a member: it has no image of its own).
// Plain-old-data only, like image_format.h.
#pragma once

#include <stdint.h>

namespace ckpt::image {

inline constexpr char kProcTreeSectionName[] = "core.proctree";
inline constexpr uint32_t kProcTreeSectionVersion = 1;
inline constexpr uint32_t kProcTreeMaxChildren = 512;

// ProcTreeChild::state
inline constexpr int32_t kChildLive = 0;    // running or stopped: restored from its own image
inline constexpr int32_t kChildZombie = 1;  // exited, not reaped: re-created by restart

struct ProcTreeChild {
  int32_t pid;          // real pid at checkpoint
  int32_t pgid;
  int32_t sid;
  int32_t state;        // kChildLive / kChildZombie
  int32_t wait_status;  // zombies: the status waitpid() would report (/proc/<pid>/stat exit_code)
  int32_t reserved;
};

struct ProcTreeHeader {
  int32_t pid;   // real pid at checkpoint (taken before a forked checkpoint's writer forks)
  int32_t ppid;
  int32_t pgid;
  int32_t sid;
  uint32_t nchildren;  // ProcTreeChild entries that follow
  uint32_t reserved;
};
static_assert(sizeof(ProcTreeChild) == 24, "ProcTreeChild layout is part of core.proctree v1");
static_assert(sizeof(ProcTreeHeader) == 24, "ProcTreeHeader layout is part of core.proctree v1");

}  // namespace ckpt::image
