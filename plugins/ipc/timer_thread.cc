// plugins/ipc/timer_thread.cc: see timer_thread.h.
// Checkpoint path: thread_timers_restart_pending(), thread_timers_take_pending() (the
// dispatcher's suspend handler) and thread_timer_expired_parked() (raw calls, static memory);
// the rest runs in application threads or in the dispatcher thread (allocation and pthread
// calls are fine there).
#include "timer_thread.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "timer_table.h"
#include "virtual_ids.h"

namespace ckpt::ipc {

namespace {

constexpr int kMaxThreadTimers = 256;

struct Slot {
  int state;  // 0 free, 1 reserved by timer_create, 2 live
  int64_t virt;
  void (*fn)(union sigval);
  union sigval value;
  size_t stack_size;  // from the application's attributes; 0: default
  int armed_at_park;  // armed when the dispatcher was last parked for a checkpoint
};

struct Call {
  void (*fn)(union sigval);
  union sigval value;
};

Slot g_slots[kMaxThreadTimers];
pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
volatile int g_dispatcher_tid;
volatile int g_restart_pending;
// Expiries taken from the dispatcher's pending signals as it is suspended (a pending signal
// would come back after a restart without its sigval): run when it goes on.
int g_owed[kMaxThreadTimers];
volatile int g_nowed;
// One-shot expiries whose signal arrived after the dispatcher was parked: run only after a
// restart (thread_timer_expired_parked); a new checkpoint round forgets them.
int g_late[kMaxThreadTimers];
volatile int g_nlate;

// Raw system calls: the pid plugin wraps syscall(2) and would give virtual thread ids.
long raw_call(long nr, long a = 0, long b = 0, long c = 0, long d = 0) {
  long ret;
  register long r10 asm("r10") = d;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
               : "rcx", "r11", "memory");
  return ret;
}

int raw_gettid() { return static_cast<int>(raw_call(SYS_gettid)); }

void mask_timer_signal(int how) {
  uint64_t set = 1ull << (kTimerThreadSignal - 1);
  raw_call(SYS_rt_sigprocmask, how, reinterpret_cast<long>(&set), 0, 8);
}

// Whether the kernel timer behind virtual id `virt` is armed. Raw: runs in the dispatcher's
// suspend handler (a first CKPT_NEXT lookup would call dlsym there). The dispatched timers
// are SIGEV_THREAD_ID timers for glibc, whose timer_t is the kernel's id.
bool timer_armed(int64_t virt) {
  int64_t real = peek_real(timer_ids(), virt);
  struct itimerspec now = {};
  if (real < 0 || raw_call(SYS_timer_gettime, static_cast<long>(real),
                           reinterpret_cast<long>(&now)) != 0) {
    return false;
  }
  return now.it_value.tv_sec != 0 || now.it_value.tv_nsec != 0;
}

void* run_callback(void* arg) {
  mask_timer_signal(SIG_UNBLOCK);  // inherited from the dispatcher
  Call call = *static_cast<Call*>(arg);
  free(arg);
  call.fn(call.value);
  return nullptr;
}

void dispatch(int index) {
  if (index < 0 || index >= kMaxThreadTimers) return;
  pthread_mutex_lock(&g_lock);
  Slot slot = g_slots[index];
  pthread_mutex_unlock(&g_lock);
  if (slot.state != 2) return;  // deleted meanwhile
  auto* call = static_cast<Call*>(malloc(sizeof(Call)));
  if (call == nullptr) return;
  *call = Call{slot.fn, slot.value};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (slot.stack_size != 0) pthread_attr_setstacksize(&attr, slot.stack_size);
  pthread_t thread;
  if (pthread_create(&thread, &attr, run_callback, call) != 0) free(call);
  pthread_attr_destroy(&attr);
}

void* dispatcher_main(void*) {
  mask_timer_signal(SIG_BLOCK);
  __atomic_store_n(&g_dispatcher_tid, raw_gettid(), __ATOMIC_RELEASE);
  uint64_t set = 1ull << (kTimerThreadSignal - 1);
  for (;;) {
    if (__atomic_load_n(&g_restart_pending, __ATOMIC_ACQUIRE)) {  // restored: a new tid
      __atomic_store_n(&g_dispatcher_tid, raw_gettid(), __ATOMIC_RELEASE);
      timers_restart_dispatched();
      for (int n = __atomic_exchange_n(&g_nlate, 0, __ATOMIC_ACQ_REL); n > 0; --n) {
        dispatch(g_late[n - 1]);
      }
      __atomic_store_n(&g_restart_pending, 0, __ATOMIC_RELEASE);
    }
    for (int n = __atomic_exchange_n(&g_nowed, 0, __ATOMIC_ACQ_REL); n > 0; --n) {
      dispatch(g_owed[n - 1]);
    }
    siginfo_t info;
    long sig = raw_call(SYS_rt_sigtimedwait, reinterpret_cast<long>(&set),
                        reinterpret_cast<long>(&info), 0, 8);
    if (sig == kTimerThreadSignal && info.si_code == SI_TIMER) dispatch(info.si_value.sival_int);
  }
  return nullptr;
}

// Under g_lock.
int start_dispatcher() {
  if (g_dispatcher_tid != 0) return 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, dispatcher_main, nullptr);
  pthread_attr_destroy(&attr);
  if (rc != 0) return -1;
  while (__atomic_load_n(&g_dispatcher_tid, __ATOMIC_ACQUIRE) == 0) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, nullptr);
  }
  return 0;
}

size_t stack_size_of(const struct sigevent* app) {
  size_t size = 0;
  if (app->sigev_notify_attributes != nullptr) {
    pthread_attr_getstacksize(app->sigev_notify_attributes, &size);
  }
  return size;
}

}  // namespace

int thread_timer_prepare(const struct sigevent* app, struct sigevent* out) {
  if (app->sigev_notify_function == nullptr) {
    errno = EINVAL;
    return -1;
  }
  pthread_mutex_lock(&g_lock);
  int found = -1;
  for (int i = 0; i < kMaxThreadTimers && found < 0; ++i) {
    if (g_slots[i].state == 0) found = i;
  }
  if (found < 0 || start_dispatcher() != 0) {
    pthread_mutex_unlock(&g_lock);
    errno = EAGAIN;
    return -1;
  }
  g_slots[found] =
      Slot{1, -1, app->sigev_notify_function, app->sigev_value, stack_size_of(app), 0};
  pthread_mutex_unlock(&g_lock);
  memset(out, 0, sizeof *out);
  out->sigev_notify = SIGEV_THREAD_ID;
  out->sigev_signo = kTimerThreadSignal;
  out->sigev_value.sival_int = found;
  out->_sigev_un._tid = thread_timer_target();
  return found;
}

void thread_timer_bind(int slot, int64_t virt) {
  pthread_mutex_lock(&g_lock);
  g_slots[slot].state = virt < 0 ? 0 : 2;
  g_slots[slot].virt = virt;
  pthread_mutex_unlock(&g_lock);
}

void thread_timer_release(int64_t virt) {
  pthread_mutex_lock(&g_lock);
  for (Slot& s : g_slots) {
    if (s.state == 2 && s.virt == virt) s.state = 0;
  }
  pthread_mutex_unlock(&g_lock);
}

int thread_timer_target() { return __atomic_load_n(&g_dispatcher_tid, __ATOMIC_ACQUIRE); }

void thread_timers_restart_pending() {
  if (g_dispatcher_tid != 0) __atomic_store_n(&g_restart_pending, 1, __ATOMIC_RELEASE);
}

void thread_timers_take_pending() {
  if (g_dispatcher_tid == 0 || raw_gettid() != g_dispatcher_tid) return;
  g_nlate = 0;
  for (Slot& s : g_slots) {  // before the signals are taken: a later expiry is still seen
    s.armed_at_park = s.state == 2 && timer_armed(s.virt) ? 1 : 0;
  }
  uint64_t set = 1ull << (kTimerThreadSignal - 1);
  struct timespec zero = {0, 0};
  siginfo_t info;
  int n = g_nowed;
  while (n < kMaxThreadTimers &&
         raw_call(SYS_rt_sigtimedwait, reinterpret_cast<long>(&set), reinterpret_cast<long>(&info),
                  reinterpret_cast<long>(&zero), 8) == kTimerThreadSignal) {
    if (info.si_code != SI_TIMER) continue;
    int index = info.si_value.sival_int;
    g_owed[n++] = index;
    if (index >= 0 && index < kMaxThreadTimers) g_slots[index].armed_at_park = 0;  // taken
  }
  g_nowed = n;
}

void thread_timer_expired_parked(int64_t virt) {
  for (int i = 0; i < kMaxThreadTimers; ++i) {
    Slot& s = g_slots[i];
    int n = g_nlate;
    if (s.state == 2 && s.virt == virt && s.armed_at_park && n < kMaxThreadTimers) {
      s.armed_at_park = 0;
      g_late[n] = i;
      g_nlate = n + 1;
    }
  }
}

void thread_timers_wait_ready() {
  while (__atomic_load_n(&g_restart_pending, __ATOMIC_ACQUIRE)) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, nullptr);
  }
}

}  // namespace ckpt::ipc
