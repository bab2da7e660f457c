// libckpt/core/plugin_watchdog.cc: see plugin_watchdog.h. Checkpoint path: yes.
#include "core/plugin_watchdog.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include "core/runtime.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kTimerCreate = 222;
constexpr long kTimerSettime = 223;
constexpr long kTimerDelete = 226;
constexpr int kSigevThreadId = 4;

struct KernelSigevent {  // the kernel's struct sigevent with SIGEV_THREAD_ID
  uint64_t value;
  int signo;
  int notify;
  int tid;
  int pad[11];
};

struct Watch {
  sigjmp_buf* volatile jb;   // non-null while a hook is watched
  int timer_id;
  long owner_pid;            // timers do not survive fork or restart: recreate when changed
  long owner_tid;
  int has_timer;
};

Watch g_watch;

void on_watchdog(int, siginfo_t*, void*) {
  sigjmp_buf* jb = g_watch.jb;
  if (jb == nullptr || sys::gettid() != g_watch.owner_tid) return;
  g_watch.jb = nullptr;
  siglongjmp(*jb, 1);
}

bool ensure_timer() {
  long pid = sys::getpid();
  long tid = sys::gettid();
  if (g_watch.has_timer && g_watch.owner_pid == pid && g_watch.owner_tid == tid) return true;
  if (g_watch.has_timer && g_watch.owner_pid == pid) sys::call(kTimerDelete, g_watch.timer_id);
  KernelSigevent ev{};
  ev.signo = kWatchdogSignal;
  ev.notify = kSigevThreadId;
  ev.tid = static_cast<int>(tid);
  int id = -1;
  long rc = sys::call(kTimerCreate, CLOCK_MONOTONIC, &ev, &id);
  g_watch.has_timer = rc == 0;
  g_watch.timer_id = id;
  g_watch.owner_pid = pid;
  g_watch.owner_tid = tid;
  return rc == 0;
}

void set_mask(int how) {
  uint64_t bit = 1ull << (kWatchdogSignal - 1);
  sys::call(sys::kRtSigprocmask, how, &bit, nullptr, 8);
}

}  // namespace

void install_watchdog_handler() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_watchdog;
  sa.sa_flags = SA_SIGINFO;
  sigfillset(&sa.sa_mask);
  sigaction(kWatchdogSignal, &sa, nullptr);
}

bool watchdog_arm(sigjmp_buf* jb, unsigned timeout_ms) {
  if (!ensure_timer()) return false;
  struct itimerspec its {};
  its.it_value.tv_sec = timeout_ms / 1000;
  its.it_value.tv_nsec = static_cast<long>(timeout_ms % 1000) * 1000000;
  g_watch.jb = jb;
  if (sys::call(kTimerSettime, g_watch.timer_id, 0, &its, nullptr) != 0) {
    g_watch.jb = nullptr;
    return false;
  }
  set_mask(SIG_UNBLOCK);
  return true;
}

void watchdog_disarm() {
  set_mask(SIG_BLOCK);
  g_watch.jb = nullptr;
  struct itimerspec its {};
  sys::call(kTimerSettime, g_watch.timer_id, 0, &its, nullptr);
}

}  // namespace ckpt
