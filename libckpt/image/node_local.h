// libckpt/image/node_local.h: files that live on one node. /tmp and /dev/shm are private to
// each node of a cluster and empty on the nodes of a new allocation, so a restart on other
// hosts finds none of the files the job had there (Open MPI's session directory, shared
// memory segments, a program's scratch files). ckpt therefore:
//  - re-creates a MAP_SHARED mapping's file that is missing at restart from the pages saved
//    in the image (size and mode as at the checkpoint; restore/loader_missing.cc); only
//    under /tmp and /dev/shm, where pages not in memory are holes, so saving the resident
//    pages saves the file (a disk file elsewhere would come back with zeros: refused);
//  - saves the contents of regular files open under these two directories by default, up
//    to a size limit (core/fd_files.cc), and writes a missing one back at restart.
// Also: the directories above such a file are created (mode 0700) when missing.
// Shared by libckpt and the libc-free loader. Checkpoint path: yes (no allocation).
#pragma once

#include <stddef.h>

#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt::image {

// Default per-file limit for saving node-local files open at the checkpoint (MiB;
// CKPT_SAVE_NODE_LOCAL overrides it, 0 turns it off). Session files, logs, lock and
// contact files are small; a node-local file larger than this is most likely scratch data
// the program can recreate, and would make every image that much larger.
inline constexpr long kNodeLocalSaveMib = 16;

inline bool is_node_local(const char* path) {
  return sys::starts_with(path, "/tmp/") || sys::starts_with(path, "/dev/shm/");
}

// Creates the missing directories above `path` (mode 0700). Returns 0 or -errno of the
// first mkdir that failed for another reason than EEXIST.
inline long make_parent_dirs(const char* path) {
  char dir[512];
  size_t n = sys::str_copy(dir, path, sizeof dir);
  if (n >= sizeof dir - 1) return -36;  // ENAMETOOLONG
  for (size_t i = 1; i < n; ++i) {
    if (dir[i] != '/') continue;
    dir[i] = '\0';
    long r = sys::call(sys::kMkdir, dir, 0700);
    dir[i] = '/';
    if (r < 0 && r != -17 /*EEXIST*/) return r;
  }
  return 0;
}

}  // namespace ckpt::image
