// libckpt/core/fd_files.h: regular files behind fds. Policy (libckpt/README.md, "Files"):
//  - files unlinked while open and memfds: contents always saved in the image (in an
//    anonymous mapping that exists only during the round), re-created at restart (same
//    name, then unlinked; memfds with memfd_create and their seals);
//  - with `ckpt launch --save-files` (CKPT_SAVE_FILES=<MiB>, default 64): also the contents
//    of files open for writing that are not larger than that;
//  - node-local files (under /tmp and /dev/shm, image/node_local.h), open for reading or
//    writing: their contents up to CKPT_SAVE_NODE_LOCAL MiB (default 16, 0: off), by
//    default; such a file missing at restart (another host) is written back without
//    --restore-files, with the directories above it;
//  - at restart every file is checked before any fd is restored: a file that is gone, a
//    read-only file whose size or mtime changed, or a writable file that is now shorter
//    than at the checkpoint stops the restart with a message naming fd, path and host, unless
//    `ckpt restart --restore-files` is given, which writes saved contents back (and cuts a
//    writable file that grew back to its checkpoint size).
// Checkpoint path: yes (raw syscalls; the contents buffer is a raw mmap).
#pragma once

#include <stddef.h>

namespace ckpt {

void read_fd_config();                        // at init (may use getenv)
void capture_file_identity(int idx, const char* path);
long save_file_contents();                    // after every fd is classified
void release_file_contents();                 // after the image is written / at restart
// At restart, before any fd is restored: returns false and fills `why` (one line per
// problem) if a file is gone or changed and cannot be put back.
bool check_files(bool restore_files, char* why, size_t cap);
long restore_unlinked(int idx);
void finish_unlinked();                       // closes the temporary fds, applies seals

}  // namespace ckpt
