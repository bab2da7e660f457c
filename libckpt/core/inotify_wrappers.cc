// libckpt/core/inotify_wrappers.cc: wrappers that note the path of every inotify watch,
// which the kernel does not tell later (fdinfo has only the inode), and the reads that hand
// out events saved at a checkpoint (inotify_queue.cc). Wrapped: inotify_add_watch,
// inotify_rm_watch (the real call, then the note table inside the delay lock), read and
// __read_chk (straight to the next definition unless saved events wait). errno is preserved.
// Not checkpoint-path (application threads; no allocation all the same).
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <sys/types.h>

#include "ckpt/plugin.h"
#include "core/delay_lock.h"
#include "core/fd_kinds.h"
#include "core/next_fn.h"

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

namespace {

using ReadFn = ssize_t (*)(int, void*, size_t);
ReadFn g_next_read;

long next_read(int fd, void* buf, size_t n) {
  return ckpt::next_fn(&g_next_read, "read")(fd, buf, n);
}

}  // namespace

extern "C" CKPT_EXPORT ssize_t read(int fd, void* buf, size_t n) {
  if (!ckpt::inotify_queues_pending()) return ckpt::next_fn(&g_next_read, "read")(fd, buf, n);
  return ckpt::inotify_queue_read(fd, buf, n, next_read);
}

extern "C" CKPT_EXPORT ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
  using Fn = ssize_t (*)(int, void*, size_t, size_t);
  static Fn next;
  if (n > buflen || !ckpt::inotify_queues_pending()) {
    return ckpt::next_fn(&next, "__read_chk")(fd, buf, n, buflen);  // fails as glibc does
  }
  return ckpt::inotify_queue_read(fd, buf, n, next_read);
}
