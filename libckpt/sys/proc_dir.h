// libckpt/sys/proc_dir.h: the numeric entries of a /proc directory (/proc/self/fd,
// /proc/self/task), read with getdents64 into a stack buffer. Checkpoint path: yes.
#pragma once

#include <fcntl.h>

#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt::sys {

// Calls fn(number) for every entry of `path` whose name is a number; with skip_own_fd, not
// for the fd this listing itself holds (listing /proc/self/fd).
template <typename Fn>
void for_each_number(const char* path, bool skip_own_fd, Fn fn) {
  long dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  char buf[4096];
  long n;
  while ((n = getdents64(static_cast<int>(dir), buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      const char* name = buf + off + 19;  // linux_dirent64: ino, off, reclen, type, name
      off += *reinterpret_cast<unsigned short*>(buf + off + 16);
      if (name[0] < '0' || name[0] > '9') continue;
      long number = static_cast<long>(parse_u64(name, nullptr));
      if (!skip_own_fd || number != dir) fn(number);
    }
  }
  close(static_cast<int>(dir));
}

}  // namespace ckpt::sys
