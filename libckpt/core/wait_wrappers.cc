// libckpt/core/wait_wrappers.cc: blocking waits that a checkpoint must not cut short.
// The suspend signal has a handler, so the kernel ends sleeps, poll/select/epoll waits,
// sigtimedwait and futex-based semaphore waits with EINTR when a checkpoint parks the
// thread (SA_RESTART does not apply to them). An unmodified program does not expect EINTR
// when it has no signal handler of its own, and many do not retry. These wrappers call the
// real function again when it failed with EINTR and the calling thread was parked meanwhile
// (thread_suspend_count() changed), with the time that was left when it was parked: the
// time spent parked, and restarting, does not count. Absolute deadlines are kept as given.
// An application signal still interrupts as before. Limitation: an application signal that
// arrives during the same call as a checkpoint is reported to the caller only when no
// checkpoint parked the thread in that call (its handler has run either way).
// Wrapped: nanosleep, clock_nanosleep, sleep, usleep, pause, poll, ppoll, select, pselect,
// epoll_wait, epoll_pwait, sigtimedwait, sigwaitinfo, sem_wait, sem_timedwait, sem_clockwait.
// Not checkpoint-path: these run in application threads.
#include <errno.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "core/next_fn.h"
#include "core/thread_suspend.h"
#include "sys/syscall.h"

namespace ckpt {
namespace {

constexpr int64_t kNsPerSec = 1000000000;

int64_t ns_of(const timespec& ts) { return ts.tv_sec * kNsPerSec + ts.tv_nsec; }

timespec ts_of(int64_t ns) { return timespec{ns / kNsPerSec, ns % kNsPerSec}; }

// What is left of a relative timeout (negative: none) while ckpt interrupts the wait.
class WaitBudget {
 public:
  explicit WaitBudget(int64_t left_ns) : left_ns_(left_ns) {}
  static WaitBudget of_ms(int ms) { return WaitBudget(ms < 0 ? -1 : ms * int64_t{1000000}); }
  static WaitBudget of_ts(const timespec* ts) { return WaitBudget(ts ? ns_of(*ts) : -1); }

  void start() {
    suspends_ = thread_suspend_count();
    start_ns_ = static_cast<int64_t>(sys::monotonic_ns());
  }
  // Called after EINTR: true when a checkpoint caused it (the budget shrinks by the time
  // waited before the thread was parked), false when the application's signal did.
  bool cut_by_ckpt() {
    if (thread_suspend_count() == suspends_) return false;
    if (left_ns_ > 0) {
      int64_t waited = static_cast<int64_t>(thread_suspended_at_ns()) - start_ns_;
      left_ns_ = waited >= left_ns_ ? 0 : left_ns_ - (waited > 0 ? waited : 0);
    }
    return true;
  }
  bool bounded() const { return left_ns_ >= 0; }
  int ms() const { return bounded() ? static_cast<int>((left_ns_ + 999999) / 1000000) : -1; }
  timespec ts() const { return ts_of(left_ns_ > 0 ? left_ns_ : 0); }
  timeval tv() const {
    timespec t = ts();
    return timeval{t.tv_sec, (t.tv_nsec + 999) / 1000};
  }

 private:
  int64_t left_ns_;
  uint32_t suspends_ = 0;
  int64_t start_ns_ = 0;
};

// Calls `call(budget)` until it returns without a ckpt-caused EINTR. `failed(r)` tells the
// failure convention: -1 with errno, or (clock_nanosleep) the error number itself.
template <typename Call, typename Failed>
auto retry(WaitBudget budget, Call call, Failed failed) {
  for (;;) {
    budget.start();
    auto r = call(budget);
    if (!failed(r) || !budget.cut_by_ckpt()) return r;
  }
}

template <typename Call>
auto retry_errno(WaitBudget budget, Call call) {
  return retry(budget, call, [](auto r) { return r == -1 && errno == EINTR; });
}

long real_nanosleep(const timespec* req, timespec* rem) {
  static int (*real)(const timespec*, timespec*);
  return next_fn(&real, "nanosleep")(req, rem);
}

// Sleeps `ns` like nanosleep; on the application's EINTR, *rem holds what was left.
int sleep_ns(int64_t ns, timespec* rem) {
  return static_cast<int>(retry_errno(WaitBudget(ns), [&](const WaitBudget& b) {
    timespec left = b.ts();
    return real_nanosleep(&left, rem);
  }));
}

}  // namespace
}  // namespace ckpt

using ckpt::next_fn;
using ckpt::retry_errno;
using ckpt::WaitBudget;

#define CKPT_EXPORT extern "C" __attribute__((visibility("default")))

CKPT_EXPORT int nanosleep(const timespec* req, timespec* rem) {
  if (req == nullptr || req->tv_nsec < 0 || req->tv_nsec >= ckpt::kNsPerSec) {
    return static_cast<int>(ckpt::real_nanosleep(req, rem));  // the real error
  }
  return ckpt::sleep_ns(ckpt::ns_of(*req), rem);
}

CKPT_EXPORT int clock_nanosleep(clockid_t clk, int flags, const timespec* req, timespec* rem) {
  static int (*real)(clockid_t, int, const timespec*, timespec*);
  auto fn = next_fn(&real, "clock_nanosleep");
  bool absolute = (flags & TIMER_ABSTIME) != 0;
  if (req == nullptr || req->tv_nsec < 0 || req->tv_nsec >= ckpt::kNsPerSec) {
    return fn(clk, flags, req, rem);
  }
  WaitBudget budget = absolute ? WaitBudget(-1) : WaitBudget::of_ts(req);
  return ckpt::retry(
      budget,
      [&](const WaitBudget& b) {
        timespec left = b.ts();
        return fn(clk, flags, absolute ? req : &left, rem);
      },
      [](int r) { return r == EINTR; });
}

// sleep and usleep call the next definition first (plugins may wrap them too, as the
// tutorial's do); only the rest of a sleep a checkpoint cut short is slept with nanosleep.
CKPT_EXPORT unsigned int sleep(unsigned int seconds) {
  static unsigned int (*real)(unsigned int);
  WaitBudget budget(seconds * ckpt::kNsPerSec);
  budget.start();
  unsigned int left = next_fn(&real, "sleep")(seconds);
  if (left == 0 || !budget.cut_by_ckpt()) return left;
  timespec rem{};
  if (ckpt::sleep_ns(ckpt::ns_of(budget.ts()), &rem) == 0) return 0;
  return static_cast<unsigned>(rem.tv_sec) + (rem.tv_nsec >= ckpt::kNsPerSec / 2 ? 1 : 0);
}

CKPT_EXPORT int usleep(useconds_t usec) {
  static int (*real)(useconds_t);
  WaitBudget budget(usec * int64_t{1000});
  budget.start();
  int rc = next_fn(&real, "usleep")(usec);
  if (rc == 0 || errno != EINTR || !budget.cut_by_ckpt()) return rc;
  return ckpt::sleep_ns(ckpt::ns_of(budget.ts()), nullptr);
}

CKPT_EXPORT int pause() {
  static int (*real)();
  return retry_errno(WaitBudget(-1), [&](const WaitBudget&) { return next_fn(&real, "pause")(); });
}

CKPT_EXPORT int poll(pollfd* fds, nfds_t n, int timeout_ms) {
  static int (*real)(pollfd*, nfds_t, int);
  auto fn = next_fn(&real, "poll");
  return retry_errno(WaitBudget::of_ms(timeout_ms),
                     [&](const WaitBudget& b) { return fn(fds, n, b.ms()); });
}

CKPT_EXPORT int ppoll(pollfd* fds, nfds_t n, const timespec* tmo, const sigset_t* mask) {
  static int (*real)(pollfd*, nfds_t, const timespec*, const sigset_t*);
  auto fn = next_fn(&real, "ppoll");
  return retry_errno(WaitBudget::of_ts(tmo), [&](const WaitBudget& b) {
    timespec left = b.ts();
    return fn(fds, n, b.bounded() ? &left : nullptr, mask);
  });
}

// Linux leaves the fd sets unchanged when select fails, so a retry waits for the same fds.
CKPT_EXPORT int select(int nfds, fd_set* r, fd_set* w, fd_set* e, timeval* tv) {
  static int (*real)(int, fd_set*, fd_set*, fd_set*, timeval*);
  auto fn = next_fn(&real, "select");
  WaitBudget budget(tv ? tv->tv_sec * ckpt::kNsPerSec + tv->tv_usec * 1000 : -1);
  return retry_errno(budget, [&](const WaitBudget& b) {
    if (tv != nullptr) *tv = b.tv();
    return fn(nfds, r, w, e, tv);
  });
}

CKPT_EXPORT int pselect(int nfds, fd_set* r, fd_set* w, fd_set* e, const timespec* tmo,
                        const sigset_t* mask) {
  static int (*real)(int, fd_set*, fd_set*, fd_set*, const timespec*, const sigset_t*);
  auto fn = next_fn(&real, "pselect");
  return retry_errno(WaitBudget::of_ts(tmo), [&](const WaitBudget& b) {
    timespec left = b.ts();
    return fn(nfds, r, w, e, b.bounded() ? &left : nullptr, mask);
  });
}

CKPT_EXPORT int epoll_wait(int epfd, epoll_event* events, int max, int timeout_ms) {
  static int (*real)(int, epoll_event*, int, int);
  auto fn = next_fn(&real, "epoll_wait");
  return retry_errno(WaitBudget::of_ms(timeout_ms),
                     [&](const WaitBudget& b) { return fn(epfd, events, max, b.ms()); });
}

CKPT_EXPORT int epoll_pwait(int epfd, epoll_event* events, int max, int timeout_ms,
                            const sigset_t* mask) {
  static int (*real)(int, epoll_event*, int, int, const sigset_t*);
  auto fn = next_fn(&real, "epoll_pwait");
  return retry_errno(WaitBudget::of_ms(timeout_ms),
                     [&](const WaitBudget& b) { return fn(epfd, events, max, b.ms(), mask); });
}

CKPT_EXPORT int sigtimedwait(const sigset_t* set, siginfo_t* info, const timespec* tmo) {
  static int (*real)(const sigset_t*, siginfo_t*, const timespec*);
  auto fn = next_fn(&real, "sigtimedwait");
  return retry_errno(WaitBudget::of_ts(tmo), [&](const WaitBudget& b) {
    timespec left = b.ts();
    return fn(set, info, b.bounded() ? &left : nullptr);
  });
}

CKPT_EXPORT int sigwaitinfo(const sigset_t* set, siginfo_t* info) {
  static int (*real)(const sigset_t*, siginfo_t*);
  auto fn = next_fn(&real, "sigwaitinfo");
  return retry_errno(WaitBudget(-1), [&](const WaitBudget&) { return fn(set, info); });
}

CKPT_EXPORT int sem_wait(sem_t* sem) {
  static int (*real)(sem_t*);
  auto fn = next_fn(&real, "sem_wait");
  return retry_errno(WaitBudget(-1), [&](const WaitBudget&) { return fn(sem); });
}

CKPT_EXPORT int sem_timedwait(sem_t* sem, const timespec* deadline) {
  static int (*real)(sem_t*, const timespec*);
  auto fn = next_fn(&real, "sem_timedwait");
  return retry_errno(WaitBudget(-1), [&](const WaitBudget&) { return fn(sem, deadline); });
}

CKPT_EXPORT int sem_clockwait(sem_t* sem, clockid_t clk, const timespec* deadline) {
  static int (*real)(sem_t*, clockid_t, const timespec*);
  auto fn = next_fn(&real, "sem_clockwait");
  return retry_errno(WaitBudget(-1), [&](const WaitBudget&) { return fn(sem, clk, deadline); });
}
