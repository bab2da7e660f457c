// libckpt/core/fd_inotify.cc: inotify instances. The inotify_add_watch wrapper
// (inotify_wrappers.cc) notes each watch's absolute path; at checkpoint the live watches
// (wd, mask) come from /proc/self/fdinfo and take their path from those notes. At restart
// the watches are added again by path in wd order; a wd the kernel hands out too low is
// removed and the add retried until the numbers match (the IN_IGNORED events this queues
// are discarded). Events queued but unread at the checkpoint: inotify_queue.cc.
// Checkpoint path: capture and restore yes; note/forget run in application threads inside
// the delay lock (no checkpoint can start while the table is being changed).
#include <fcntl.h>

#include "core/fd_kinds.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kInotifyInit1 = 294;
constexpr long kInotifyAddWatch = 254;
constexpr long kInotifyRmWatch = 255;
constexpr uint32_t kMaskCreateOrAdd = 0x30000000u;  // IN_MASK_CREATE | IN_MASK_ADD
constexpr int kNotes = 2048;
constexpr int kNotePath = 512;

struct Note {
  int fd;  // -1: free
  int wd;
  char path[kNotePath];
};

struct Notes {
  Note list[kNotes];
  int count;
  volatile int lock;
};

Notes g_notes;

void lock() {
  while (__atomic_exchange_n(&g_notes.lock, 1, __ATOMIC_ACQUIRE) != 0) {
    sys::call(sys::kSchedYield);
  }
}
void unlock() { __atomic_store_n(&g_notes.lock, 0, __ATOMIC_RELEASE); }

Note* find_note(int fd, int wd) {
  for (int i = 0; i < g_notes.count; ++i) {
    if (g_notes.list[i].fd == fd && g_notes.list[i].wd == wd) return &g_notes.list[i];
  }
  return nullptr;
}

Note* free_note() {
  for (int i = 0; i < g_notes.count; ++i) {
    if (g_notes.list[i].fd < 0) return &g_notes.list[i];
  }
  return g_notes.count < kNotes ? &g_notes.list[g_notes.count++] : nullptr;
}

// Adds `w` on `ifd`, retrying until the kernel hands out the saved wd.
void add_watch(int ifd, const InotifyWatch& w, const char* path) {
  uint32_t mask = w.mask & ~kMaskCreateOrAdd;
  for (int tries = 0; tries < 1000000; ++tries) {
    long wd = sys::call(kInotifyAddWatch, ifd, path, mask);
    if (wd < 0) {
      CKPT_LOG(kError, "inotify fd: cannot watch {} again ({})", path, wd);
      return;
    }
    if (wd >= w.wd) {
      if (wd > w.wd) CKPT_LOG(kWarn, "inotify watch {} came back as wd {}", path, wd);
      return;
    }
    sys::call(kInotifyRmWatch, ifd, wd);
  }
}

void discard_queued(int ifd) {
  char buf[4096];
  while (sys::read(ifd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

void note_inotify_watch(int fd, int wd, const char* path, uint32_t) {
  lock();
  Note* n = find_note(fd, wd);
  if (n == nullptr) n = free_note();
  if (n != nullptr) {
    n->fd = fd;
    n->wd = wd;
    sys::Fmt f(n->path, sizeof n->path);
    if (path[0] != '/') {
      char cwd[kNotePath];
      if (sys::call(sys::kGetcwd, cwd, sizeof cwd) > 0) f.s(cwd).c('/');
    }
    f.s(path);
  }
  unlock();
}

void forget_inotify_watch(int fd, int wd) {
  lock();
  Note* n = find_note(fd, wd);
  if (n != nullptr) n->fd = -1;
  unlock();
}

bool capture_inotify(int fd, FdDetail& d, const char* info) {
  FdDetails& t = fd_details();
  d.list.first = t.nwatches;
  d.list.count = 0;
  for (const char* s = info; *s != '\0'; ++s) {
    if ((s != info && s[-1] != '\n') || !sys::starts_with(s, "inotify wd:")) continue;
    int wd = static_cast<int>(fdinfo_value(s, "inotify wd:", 10, 0));
    const Note* n = find_note(fd, wd);
    size_t len = n != nullptr ? sys::str_len(n->path) : 0;
    if (n == nullptr || t.nwatches >= kMaxInotifyWatches ||
        t.watch_paths_used + len + 1 > kWatchPathArena) {
      return false;
    }
    InotifyWatch& w = t.watches[t.nwatches++];
    w.wd = wd;
    w.mask = static_cast<uint32_t>(fdinfo_value(s, "mask:", 16, 0));
    w.path_off = t.watch_paths_used;
    sys::str_copy(t.watch_paths + t.watch_paths_used, n->path, len + 1);
    t.watch_paths_used += static_cast<uint32_t>(len + 1);
    d.list.count++;
  }
  return true;
}

long restore_inotify(const FdRecord& rec, const FdDetail& d) {
  FdDetails& t = fd_details();
  long ifd = sys::call(kInotifyInit1, O_NONBLOCK);
  if (ifd < 0) return ifd;
  int last = 0;
  for (uint32_t done = 0; done < d.list.count; ++done) {  // in increasing wd order
    const InotifyWatch* next = nullptr;
    for (uint32_t k = d.list.first; k < d.list.first + d.list.count; ++k) {
      const InotifyWatch& w = t.watches[k];
      if (w.wd > last && (next == nullptr || w.wd < next->wd)) next = &w;
    }
    if (next == nullptr) break;
    add_watch(static_cast<int>(ifd), *next, t.watch_paths + next->path_off);
    last = next->wd;
  }
  discard_queued(static_cast<int>(ifd));
  long rc = place_fd(ifd, rec);
  if (rc == 0) inotify_queue_restored(rec.fd);
  return rc;
}

}  // namespace ckpt
