// libckpt/core/shared_fd_table.h: the table shared_fds.cc (checkpoint) and
// shared_fds_restart.cc (restart) keep about fds shared between processes. Static, so it
// is part of the image. Not a public header. Checkpoint path: yes.
#pragma once

#include <stdint.h>

#include "core/runtime.h"

namespace ckpt {

enum ShareKind : int {
  kShareNone = 0, kSharePipe, kShareFifo, kShareFile,
  kSharePtyMaster, kSharePtySlave  // shared_ptys.h
};

struct SharedFd {
  int fd;
  int kind;            // ShareKind; kShareNone: libckpt's per-process code handles it
  int status_flags;    // F_GETFL
  int fd_flags;        // F_GETFD
  uint64_t dev, ino;   // pipes: dev 0 and the pipefs inode; ptys: dev 0 and the pty index
  int leader;          // this process drains, re-creates and refills the object
  int first;           // first fd of its object in this process
  int ends;            // pipes: OR of the ends held in the computation (1 read, 2 write)
  int pipe_size;       // F_GETPIPE_SZ
  uint32_t data_off, data_len;  // leader's first fd: bytes in flight in SharedTable::bytes
  char key[64];        // files: exchange key of the description's leader
  int has_termios;     // pty slave: termios was read
  char termios[64];    // pty slave: TCGETS2 (kernel struct termios2, 44 bytes)
};

inline constexpr uint32_t kShareBytes = 8u << 20;  // bytes in flight, all pipes together

struct SharedTable {
  SharedFd fds[kMaxFds];
  int n;
  uint32_t used;
  char bytes[kShareBytes];
};

SharedTable& shared_table();

}  // namespace ckpt
