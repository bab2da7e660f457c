// libckpt/core/thread_suspend.cc: see thread_suspend.h. Checkpoint path: yes.
#include "core/thread_suspend.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <ucontext.h>

#include "core/events.h"
#include "core/runtime.h"
#include "core/term_guard.h"
#include "core/thread_state.h"
#include "sys/log.h"
#include "sys/proc_dir.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

__attribute__((tls_model("initial-exec"))) __thread uint32_t t_suspends;
__attribute__((tls_model("initial-exec"))) __thread uint64_t t_suspended_at_ns;

uint32_t thread_suspend_count() { return t_suspends; }
uint64_t thread_suspended_at_ns() { return t_suspended_at_ns; }

namespace {

constexpr int kWaitOp = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
constexpr int kWakeOp = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
constexpr uint64_t kSaRestorer = 0x04000000;  // not in glibc headers

void futex_wake_all(volatile int* addr) { sys::futex(addr, kWakeOp, 0x7fffffff); }

int find_slot(int tid) {
  Runtime& r = rt();
  for (int i = 0; i < r.nslots; ++i) {
    if (r.slots[i].tid == tid && i != r.ckpt_slot) return i;
  }
  return -1;
}

void park(int seq) {
  Runtime& r = rt();
  while (r.resume_seq == seq) {
    sys::futex(&r.resume_seq, kWaitOp, seq);
  }
}

void suspend_handler(int, siginfo_t*, void* ucv) {
  Runtime& r = rt();
  volatile int idx = r.suspend_active ? find_slot(static_cast<int>(sys::gettid())) : -1;
  if (idx < 0) return;
  ThreadSlot& s = r.slots[idx];
  t_suspended_at_ns = sys::monotonic_ns();
  ++t_suspends;  // before the save: a restored thread sees it too
  auto* uc = static_cast<ucontext_t*>(ucv);
  s.rip = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
  s.rsp = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RSP]);
  s.sigmask = uc->uc_sigmask.__val[0];
  raise_event(Event::kPreSuspendUserThread);
  capture_thread_state(s);
  volatile int seq = r.resume_seq;
  if (ckpt_ctx_save(&s.ctx) == 0) {
    s.state = kSlotSuspended;
    __atomic_add_fetch(&r.nsuspended, 1, __ATOMIC_SEQ_CST);
    futex_wake_all(&r.nsuspended);
  } else {
    // Re-created at restart: per-thread kernel state was restored by the trampoline.
    Runtime& rr = rt();
    ThreadSlot& rs = rr.slots[idx];
    rs.state = kSlotRestored;
    __atomic_add_fetch(&rr.nrestored, 1, __ATOMIC_SEQ_CST);
    futex_wake_all(&rr.nrestored);
  }
  park(seq);
  raise_event(Event::kResumeUserThread);
}

template <typename Fn>
void for_each_task(Fn fn) {
  sys::for_each_number("/proc/self/task", false, [&](long tid) { fn(static_cast<int>(tid)); });
}

// Signals every thread not yet in the table; returns how many were added.
int signal_new_threads() {
  Runtime& r = rt();
  int added = 0;
  long pid = sys::getpid();
  for_each_task([&](int tid) {
    if (tid == r.ckpt_tid || find_slot(tid) >= 0 || r.nslots >= kMaxThreads) return;
    ThreadSlot& s = r.slots[r.nslots];
    sys::mem_zero(&s, sizeof s);
    s.tid = tid;
    s.is_main = (tid == pid);
    s.state = kSlotSignaled;
    if (s.is_main) r.main_slot = r.nslots;
    r.nslots++;
    if (sys::tgkill(pid, tid, r.cfg.signal) < 0) s.state = kSlotGone;
    ++added;
  });
  return added;
}

bool task_exists(int tid) {
  char path[64];
  sys::Fmt(path, sizeof path).s("/proc/self/task/").i(tid);
  long fd = sys::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) sys::close(static_cast<int>(fd));
  return fd >= 0;
}

// Counts threads still expected in the handler, dropping those that exited meanwhile.
int outstanding() {
  Runtime& r = rt();
  int n = 0;
  for (int i = 0; i < r.nslots; ++i) {
    ThreadSlot& s = r.slots[i];
    if (i == r.ckpt_slot || s.state != kSlotSignaled) continue;
    if (task_exists(s.tid)) {
      ++n;
    } else {
      s.state = kSlotGone;
    }
  }
  return n;
}

void name_stuck_threads() {
  Runtime& r = rt();
  for (int i = 0; i < r.nslots; ++i) {
    if (i != r.ckpt_slot && r.slots[i].state == kSlotSignaled) {
      CKPT_LOG(kError, "thread {} did not reach the suspend handler (signal {} blocked?)",
               r.slots[i].tid, r.cfg.signal);
    }
  }
}

}  // namespace

void install_suspend_handler() {
  KernelSigaction act{};
  act.handler = reinterpret_cast<uint64_t>(&suspend_handler);
  act.flags = SA_SIGINFO | SA_RESTART | kSaRestorer;
  act.restorer = reinterpret_cast<uint64_t>(&ckpt_sigreturn_trampoline);
  act.mask = ~0ull;
  long rc = sys::call(sys::kRtSigaction, rt().cfg.signal, &act, nullptr, 8);
  CKPT_ASSERT(rc == 0, "cannot install the suspend handler for signal {}: {}", rt().cfg.signal, rc);
}

void block_suspend_signal(bool on) {
  int sig = rt().cfg.signal;
  if (sig <= 0 || sig > 64) return;
  uint64_t bit = 1ull << (sig - 1);
  sys::call(sys::kRtSigprocmask, on ? 0 /*SIG_BLOCK*/ : 1 /*SIG_UNBLOCK*/, &bit, nullptr, 8);
}

int claim_ckpt_slot() {
  Runtime& r = rt();
  r.nslots = 0;
  r.main_slot = -1;
  ThreadSlot& s = r.slots[0];
  sys::mem_zero(&s, sizeof s);
  s.tid = static_cast<int>(sys::gettid());
  r.ckpt_slot = 0;
  r.nslots = 1;
  capture_thread_state(s);
  return 0;
}

long suspend_user_threads(uint32_t timeout_ms) {
  Runtime& r = rt();
  r.nsuspended = 0;
  r.suspend_active = 1;
  uint64_t deadline = sys::monotonic_ns() + static_cast<uint64_t>(timeout_ms) * 1000000ull;
  for (;;) {
    int added = signal_new_threads();
    int left = outstanding();
    if (left == 0 && added == 0) return 0;
    if (sys::monotonic_ns() > deadline) {
      name_stuck_threads();
      return -110;  // ETIMEDOUT
    }
    int seen = r.nsuspended;
    sys::Timespec ts{0, 5 * 1000 * 1000};
    sys::futex(&r.nsuspended, kWaitOp, seen, &ts);
  }
}

int parked_user_threads() {
  Runtime& r = rt();
  int n = 0;
  for (int i = 0; i < r.nslots; ++i) {
    n += (i != r.ckpt_slot && (r.slots[i].state == kSlotSuspended ||
                               r.slots[i].state == kSlotRestored));
  }
  return n;
}

void resume_user_threads() {
  Runtime& r = rt();
  r.suspend_active = 0;
  __atomic_add_fetch(&r.resume_seq, 1, __ATOMIC_SEQ_CST);
  futex_wake_all(&r.resume_seq);
}

void wait_threads_restored(int expected) {
  Runtime& r = rt();
  for (int seen = r.nrestored; seen < expected; seen = r.nrestored) {
    sys::Timespec ts{0, 10 * 1000 * 1000};
    sys::futex(&r.nrestored, kWaitOp, seen, &ts);
  }
}

void reraise_pending_signals() {
  Runtime& r = rt();
  long pid = sys::getpid();
  // A SIGTERM held for the checkpoint (term_guard) belongs to the run that was stopped.
  uint64_t drop = term_guard::enabled() ? (1ull << (SIGTERM - 1)) : 0;
  uint64_t shared = r.proc.shared_pending & ~drop;
  for (int sig = 1; sig < kNumSignals; ++sig) {
    if (sig != r.cfg.signal && (shared & (1ull << (sig - 1)))) sys::kill(pid, sig);
  }
  for (int i = 0; i < r.nslots; ++i) {
    ThreadSlot& s = r.slots[i];
    if (i == r.ckpt_slot || s.state != kSlotRestored) continue;
    uint64_t own = s.sigpending & ~shared & ~drop;
    for (int sig = 1; sig < kNumSignals; ++sig) {
      if (sig != r.cfg.signal && (own & (1ull << (sig - 1)))) sys::tgkill(pid, s.tid, sig);
    }
  }
}

}  // namespace ckpt
