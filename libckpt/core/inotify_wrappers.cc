// libckpt/core/inotify_wrappers.cc: wrappers that note the path of every inotify watch,
// which the kernel does not tell later (fdinfo has only the inode). Wrapped:
// inotify_add_watch, inotify_rm_watch. Each runs the real call, then updates the note table
// inside the delay lock. errno is preserved.
// Not checkpoint-path (application threads; no allocation all the same).
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>

#include "ckpt/plugin.h"
#include "core/delay_lock.h"
#include "core/fd_kinds.h"

extern "C" CKPT_EXPORT int inotify_add_watch(int fd, const char* path, uint32_t mask) {
  using Fn = int (*)(int, const char*, uint32_t);
  static Fn next;
  if (next == nullptr) next = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "inotify_add_watch"));
  ckpt::delay_lock();
  int wd = next(fd, path, mask);
  int saved = errno;
  if (wd >= 0 && path != nullptr) ckpt::note_inotify_watch(fd, wd, path, mask);
  ckpt::delay_unlock();
  errno = saved;
  return wd;
}

extern "C" CKPT_EXPORT int inotify_rm_watch(int fd, int wd) {
  using Fn = int (*)(int, int);
  static Fn next;
  if (next == nullptr) next = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "inotify_rm_watch"));
  ckpt::delay_lock();
  int rc = next(fd, wd);
  int saved = errno;
  if (rc == 0) ckpt::forget_inotify_watch(fd, wd);
  ckpt::delay_unlock();
  errno = saved;
  return rc;
}
