// libckpt/core/inotify_queue.cc: events queued in an inotify fd at a checkpoint. The kernel
// queue cannot be read back or refilled, so at capture the events are read out (FIONREAD
// bytes: a read that cannot block) into a per-fd buffer in libckpt's static memory, which
// is in the image. The read()/__read_chk() wrappers (inotify_wrappers.cc) hand them out
// first, whole events as the kernel would, then go to the kernel again.
// So that poll/select/epoll see the fd readable while saved events wait, one marker event
// is queued in the kernel behind them: an IN_IGNORED of a watch added on a private pipe
// inode and removed at once (its wd is the next one, max+1, so a watch the application
// adds afterwards gets the number after it). The wrappers drop the marker when they read
// it. A saved event does not fit the buffer of a read: EINVAL, as the kernel answers.
// Limits: only reads on the fd number that was captured (a dup of it reads the kernel
// queue), at most kQueueBytes per fd (the rest stays in the kernel queue: lost at a
// restart, with a warning), at most kQueues inotify fds with saved events.
// Checkpoint path: capture, after_image and restored yes (raw syscalls, static memory);
// serve runs in application threads inside the delay lock, which keeps a checkpoint from
// starting while the buffers change.
#include <errno.h>
#include <fcntl.h>

#include "core/delay_lock.h"
#include "core/fd_kinds.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kInotifyAddWatch = 254;
constexpr long kInotifyRmWatch = 255;
constexpr unsigned long kFionread = 0x541B;
constexpr uint32_t kInAttrib = 0x4u;
constexpr uint32_t kInIgnored = 0x8000u;
constexpr uint32_t kEventHead = 16;  // struct inotify_event without its name
constexpr int kQueues = 8;
constexpr uint32_t kQueueBytes = 32 * 1024;

struct Queue {
  int fd;         // -1: free
  int marker_wd;  // 0: no marker in the kernel queue
  uint32_t off;   // next saved byte to hand out
  uint32_t len;
  char data[kQueueBytes];
};

struct Queues {
  Queue q[kQueues];
  int used;           // entries with fd >= 0: the wrappers' fast path reads it
  volatile int lock;  // between application threads (all inside the delay lock)
};

Queues g_queues = {};

// Application threads: the delay lock keeps the checkpoint out, this keeps them apart.
struct Held {
  Held() {
    delay_lock();
    while (__atomic_exchange_n(&g_queues.lock, 1, __ATOMIC_ACQUIRE) != 0) {
      sys::call(sys::kSchedYield);
    }
  }
  ~Held() {
    __atomic_store_n(&g_queues.lock, 0, __ATOMIC_RELEASE);
    delay_unlock();
  }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
};

uint32_t event_size(const char* ev) {
  uint32_t name_len;
  sys::mem_copy(&name_len, ev + 12, sizeof name_len);
  return kEventHead + name_len;
}

Queue* find_queue(int fd) {
  for (Queue& q : g_queues.q) {
    if (q.fd == fd && fd >= 0 && g_queues.used > 0) return &q;
  }
  return nullptr;
}

Queue* new_queue(int fd) {
  for (Queue& q : g_queues.q) {
    if (q.fd < 0 || g_queues.used == 0) {
      if (g_queues.used == 0) {
        for (Queue& o : g_queues.q) o.fd = -1;
      }
      q.fd = fd;
      q.marker_wd = 0;
      q.off = q.len = 0;
      __atomic_store_n(&g_queues.used, g_queues.used + 1, __ATOMIC_RELEASE);
      return &q;
    }
  }
  return nullptr;
}

void release_if_done(Queue& q) {
  if (q.off < q.len || q.marker_wd != 0) return;
  q.fd = -1;
  __atomic_store_n(&g_queues.used, g_queues.used - 1, __ATOMIC_RELEASE);
}

// Removes the marker event from buf[0, len) if it is there. Returns the new length.
long strip_marker(Queue& q, char* buf, long len) {
  for (long at = 0; q.marker_wd != 0 && at + static_cast<long>(kEventHead) <= len;) {
    int wd;
    uint32_t mask;
    sys::mem_copy(&wd, buf + at, sizeof wd);
    sys::mem_copy(&mask, buf + at + 4, sizeof mask);
    uint32_t size = event_size(buf + at);
    if (wd == q.marker_wd && (mask & kInIgnored) != 0) {
      __builtin_memmove(buf + at, buf + at + size, static_cast<size_t>(len - at - size));
      q.marker_wd = 0;
      return len - size;
    }
    at += size;
  }
  return len;
}

// Reads what the kernel holds for fd without blocking into buf (whole events that fit),
// marker removed. 0 if nothing is queued or the first event does not fit.
long read_queued(Queue& q, int fd, char* buf, size_t cap) {
  int avail = 0;
  if (cap < kEventHead || sys::ioctl(fd, kFionread, &avail) < 0 || avail <= 0) return 0;
  long n = sys::read(fd, buf, cap);
  return n > 0 ? strip_marker(q, buf, n) : 0;
}

bool still_inotify(int fd) {
  char path[48], target[32];
  sys::Fmt(path, sizeof path).s("/proc/self/fd/").i(fd);
  long n = sys::readlink(path, target, sizeof target - 1);
  if (n < 0) return false;
  target[n] = '\0';
  return sys::str_eq(target, "anon_inode:inotify");
}

// Queues the marker: a watch on a fresh pipe's inode, removed at once (IN_IGNORED).
void add_marker(Queue& q) {
  int p[2];
  if (sys::call(sys::kPipe2, p, O_CLOEXEC) < 0) return;
  char path[48];
  sys::Fmt(path, sizeof path).s("/proc/self/fd/").i(p[0]);
  long wd = sys::call(kInotifyAddWatch, q.fd, path, kInAttrib);
  if (wd > 0 && sys::call(kInotifyRmWatch, q.fd, wd) == 0) q.marker_wd = static_cast<int>(wd);
  sys::close(p[0]);
  sys::close(p[1]);
  if (q.marker_wd == 0) CKPT_LOG(kWarn, "inotify fd {}: no wake-up event ({})", q.fd, wd);
}

// Copies whole saved events into buf. Bytes copied, or -EINVAL if the first does not fit.
long serve_saved(Queue& q, char* buf, size_t n) {
  size_t got = 0;
  while (q.off < q.len) {
    uint32_t size = event_size(q.data + q.off);
    if (got + size > n) break;
    sys::mem_copy(buf + got, q.data + q.off, size);
    got += size;
    q.off += size;
  }
  return got == 0 ? -EINVAL : static_cast<long>(got);
}

}  // namespace

void capture_inotify_queue(int fd) {
  Queue* q = find_queue(fd);
  if (q == nullptr) q = new_queue(fd);
  if (q == nullptr) {
    CKPT_LOG(kWarn, "inotify fd {}: too many inotify fds with events; its events are lost", fd);
    return;
  }
  uint32_t left = q->len - q->off;
  __builtin_memmove(q->data, q->data + q->off, left);
  q->off = 0;
  q->len = left;
  for (;;) {
    long n = read_queued(*q, fd, q->data + q->len, kQueueBytes - q->len);
    if (n <= 0) break;
    q->len += static_cast<uint32_t>(n);
  }
  int avail = 0;
  sys::ioctl(fd, kFionread, &avail);
  if (avail > 0) CKPT_LOG(kWarn, "inotify fd {}: {} bytes of events not saved", fd, avail);
  q->marker_wd = 0;  // read above if it was there; a restart or after_image adds a new one
  release_if_done(*q);
}

void inotify_queues_after_image() {
  for (Queue& q : g_queues.q) {
    if (g_queues.used > 0 && q.fd >= 0 && q.off < q.len && q.marker_wd == 0) add_marker(q);
  }
}

void inotify_queue_restored(int fd) {
  Queue* q = find_queue(fd);
  if (q == nullptr) return;
  q->marker_wd = 0;
  if (q->off < q->len) add_marker(*q);
  release_if_done(*q);
}

bool inotify_queues_pending() { return __atomic_load_n(&g_queues.used, __ATOMIC_ACQUIRE) > 0; }

namespace {

// Only the marker may be left in the kernel: read it, drop it, read again if that was all.
long read_past_marker(int fd, char* buf, size_t n, long (*next)(int, void*, size_t)) {
  for (;;) {
    long r = next(fd, buf, n);
    if (r <= 0) return r;
    long left;
    {
      Held h;
      Queue* q = find_queue(fd);
      left = q != nullptr ? strip_marker(*q, buf, r) : r;
      if (q != nullptr) release_if_done(*q);
    }
    if (left > 0) return left;
    if ((sys::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0) return -EAGAIN;
  }
}

enum class Served { kNotOurs, kMarkerOnly, kSaved };

// Saved events first; the marker, and what the kernel holds now, behind the last of them.
// kSaved: *got is the byte count or -EINVAL.
Served serve(int fd, char* out, size_t n, long* got) {
  Held h;
  Queue* q = find_queue(fd);
  if (q != nullptr && !still_inotify(fd)) {  // closed and the number reused
    q->off = q->len;
    q->marker_wd = 0;
    release_if_done(*q);
    q = nullptr;
  }
  if (q == nullptr) return Served::kNotOurs;
  if (q->off >= q->len) return Served::kMarkerOnly;
  *got = serve_saved(*q, out, n);
  if (*got > 0 && q->off >= q->len && q->marker_wd != 0) {
    *got += read_queued(*q, fd, out + *got, n - static_cast<size_t>(*got));
  }
  release_if_done(*q);
  return Served::kSaved;
}

}  // namespace

long inotify_queue_read(int fd, void* buf, size_t n, long (*next)(int, void*, size_t)) {
  bool maybe = false;  // without the locks first: reads of other fds stay cheap
  for (const Queue& q : g_queues.q) maybe |= __atomic_load_n(&q.fd, __ATOMIC_RELAXED) == fd;
  if (!maybe) return next(fd, buf, n);
  char* out = static_cast<char*>(buf);
  long got = 0;
  Served how = serve(fd, out, n, &got);
  if (how == Served::kNotOurs) return next(fd, buf, n);
  if (how == Served::kMarkerOnly) got = read_past_marker(fd, out, n, next);
  if (got < -1) {  // -errno of ours; -1 is libc's, errno set
    errno = static_cast<int>(-got);
    return -1;
  }
  return got;
}

}  // namespace ckpt
