// libckpt/core/fd_anon.cc: eventfd (counter, EFD_SEMAPHORE), timerfd (clock, remaining time,
// interval, unread expirations, absolute/cancel-on-set flags) and signalfd (mask), read from
// /proc/self/fdinfo and timerfd_gettime at checkpoint and re-created at restart.
// Checkpoint path: yes (raw syscalls).
#include <fcntl.h>

#include "core/fd_kinds.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kTimerfdCreate = 283;
constexpr long kTimerfdSettime = 286;
constexpr long kTimerfdGettime = 287;
constexpr long kSignalfd4 = 289;
constexpr long kEventfd2 = 290;
constexpr unsigned long kTfdSetTicks = 0x40085400ul;  // _IOW('T', 0, __u64)
constexpr int kTfdAbstime = 1;
constexpr int64_t kNs = 1000000000ll;

struct Itimerspec {
  sys::Timespec interval;
  sys::Timespec value;
};

int64_t to_ns(const sys::Timespec& t) { return t.sec * kNs + t.nsec; }
sys::Timespec from_ns(int64_t ns) { return sys::Timespec{ns / kNs, ns % kNs}; }

}  // namespace

void capture_eventfd(FdDetail& d, const char* info) {
  d.efd.count = fdinfo_value(info, "eventfd-count:", 16, 0);
  d.efd.semaphore = static_cast<int>(fdinfo_value(info, "eventfd-semaphore:", 10, 0));
}

void capture_timerfd(int fd, FdDetail& d, const char* info) {
  Itimerspec cur{};
  sys::call(kTimerfdGettime, fd, &cur);  // first: it folds overruns into the tick count
  char fresh[1024];
  if (read_fdinfo(fd, fresh, sizeof fresh) > 0) info = fresh;
  d.tfd.clockid = static_cast<int>(fdinfo_value(info, "clockid:", 10, 1));
  d.tfd.ticks = fdinfo_value(info, "ticks:", 10, 0);
  d.tfd.settime_flags = static_cast<int>(fdinfo_value(info, "settime flags:", 8, 0));
  d.tfd.value_ns = to_ns(cur.value);
  d.tfd.interval_ns = to_ns(cur.interval);
}

void capture_signalfd(FdDetail& d, const char* info) {
  d.sfd.mask = fdinfo_value(info, "sigmask:", 16, 0);
}

long restore_eventfd(const FdRecord& rec, const FdDetail& d) {
  long fd = sys::call(kEventfd2, 0, d.efd.semaphore ? 1 /*EFD_SEMAPHORE*/ : 0);
  if (fd >= 0 && d.efd.count != 0) {
    uint64_t v = d.efd.count;
    sys::write(static_cast<int>(fd), &v, sizeof v);
  }
  return place_fd(fd, rec);
}

long restore_timerfd(const FdRecord& rec, const FdDetail& d) {
  const TimerState& t = d.tfd;
  long fd = sys::call(kTimerfdCreate, t.clockid, 0);
  if (fd < 0) return fd;
  if (t.value_ns != 0) {
    int64_t value = t.value_ns;
    if (t.settime_flags & kTfdAbstime) {  // the same remaining time on this clock
      sys::Timespec now{};
      sys::clock_gettime(t.clockid, &now);
      value += to_ns(now);
    }
    Itimerspec its{from_ns(t.interval_ns), from_ns(value)};
    long rc = sys::call(kTimerfdSettime, fd, t.settime_flags, &its, nullptr);
    if (rc < 0) CKPT_LOG(kWarn, "timerfd {}: cannot re-arm ({})", rec.fd, rc);
  }
  if (t.ticks != 0) {
    uint64_t ticks = t.ticks;
    long rc = sys::ioctl(fd, kTfdSetTicks, &ticks);
    if (rc < 0) CKPT_LOG(kWarn, "timerfd {}: {} expirations lost ({})", rec.fd, t.ticks, rc);
  }
  return place_fd(fd, rec);
}

long restore_signalfd(const FdRecord& rec, const FdDetail& d) {
  uint64_t mask = d.sfd.mask;
  return place_fd(sys::call(kSignalfd4, -1, &mask, 8, 0), rec);
}

}  // namespace ckpt
