// plugins/ipc/timer_table.cc: see timer_table.h.
// Checkpoint path: timers_checkpoint(), timers_restart() (raw calls, static memory only).
#include "timer_table.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipc_log.h"
#include "ipc_messages.h"
#include "timer_thread.h"
#include "virtual_ids.h"

namespace ckpt::ipc {

namespace {

constexpr uint32_t kMaxTimers = 512;

struct TimerMeta {
  int64_t virt;
  int used;
  clockid_t clock;
  int notify;        // SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID
  int signo;
  int tid_was_main;  // SIGEV_THREAD_ID aimed at the main thread (tid == pid)
  int dispatched;    // SIGEV_THREAD, run by the plugin's dispatcher thread (timer_thread.h)
  union sigval value;
  struct itimerspec saved;  // at checkpoint: remaining time and interval
};

CKPT_ID_TABLE(g_timer_ids, kMaxTimers, 1 << 20);
TimerMeta g_meta[kMaxTimers];
volatile int g_meta_lock;

struct MetaGuard {
  MetaGuard() {
    while (__atomic_exchange_n(&g_meta_lock, 1, __ATOMIC_ACQUIRE) != 0) {
      __builtin_ia32_pause();
    }
  }
  ~MetaGuard() { __atomic_store_n(&g_meta_lock, 0, __ATOMIC_RELEASE); }
};

TimerMeta* free_slot() {
  for (TimerMeta& m : g_meta) {
    if (!m.used) {
      return &m;
    }
  }
  return nullptr;
}

void describe(TimerMeta& m, int64_t virt, clockid_t clock, const struct sigevent* sev,
              bool dispatched) {
  m.virt = virt;
  m.dispatched = dispatched;
  m.clock = clock;
  if (sev == nullptr) {  // POSIX default: SIGALRM carrying the timer id
    m.notify = SIGEV_SIGNAL;
    m.signo = SIGALRM;
    m.value.sival_ptr = nullptr;
    m.value.sival_int = static_cast<int>(virt);
    return;
  }
  m.notify = sev->sigev_notify;
  m.signo = sev->sigev_signo;
  m.value = sev->sigev_value;
  m.tid_was_main = sev->sigev_notify == SIGEV_THREAD_ID &&
                   sev->_sigev_un._tid == static_cast<pid_t>(syscall(SYS_getpid));
}

// Why this timer cannot be re-created at restart, or nullptr.
const char* unsupported(const TimerMeta& m) {
  if (m.notify == SIGEV_THREAD_ID && !m.tid_was_main && !m.dispatched) {
    return msg::kTimerThreadId;
  }
  if (m.clock < 0) {
    return msg::kTimerCpuClock;  // clock_getcpuclockid/pthread_getcpuclockid: a pid inside
  }
  return nullptr;
}

void recreate(TimerMeta& m) {
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = m.notify;
  sev.sigev_signo = m.signo;
  sev.sigev_value = m.value;
  if (m.notify == SIGEV_THREAD_ID) {
    sev._sigev_un._tid = m.dispatched ? thread_timer_target()
                                      : static_cast<pid_t>(syscall(SYS_getpid));
  }
  timer_t real{};
  if (CKPT_NEXT(timer_create)(m.clock, &sev, &real) != 0) {
    Line(Level::kWarn).s(msg::kTimerRecreateFailed).i(m.virt).s(": errno ").i(errno).emit();
    return;
  }
  ckpt_id_set(&g_timer_ids, m.virt, reinterpret_cast<intptr_t>(real));
  bool armed = m.saved.it_value.tv_sec != 0 || m.saved.it_value.tv_nsec != 0;
  if (armed && CKPT_NEXT(timer_settime)(real, 0, &m.saved, nullptr) != 0) {
    Line(Level::kWarn).s(msg::kTimerRearmFailed).i(m.virt).s(": errno ").i(errno).emit();
  }
  Line(Level::kDebug).s("timer ").i(m.virt).s(" re-created, armed ").i(armed ? 1 : 0).emit();
}

}  // namespace

ckpt_id_table_t* timer_ids() { return &g_timer_ids; }

int64_t timer_created(int64_t real, clockid_t clock, const struct sigevent* sev,
                      bool dispatched) {
  int64_t virt = virtualize(&g_timer_ids, real);
  MetaGuard g;
  TimerMeta* m = free_slot();
  if (m == nullptr) {
    Line(Level::kWarn).s(msg::kTimerTableFull).i(virt).emit();
    return virt;
  }
  memset(m, 0, sizeof *m);
  describe(*m, virt, clock, sev, dispatched);
  m->used = 1;
  return virt;
}

void timer_deleted(int64_t virt) {
  ckpt_id_remove(&g_timer_ids, virt);
  MetaGuard g;
  for (TimerMeta& m : g_meta) {
    if (m.used && m.virt == virt) {
      m.used = 0;
    }
  }
}

int timers_checkpoint() {
  int refused = 0;
  for (TimerMeta& m : g_meta) {
    if (!m.used) {
      continue;
    }
    if (const char* why = unsupported(m)) {
      Line(Level::kWarn).s(msg::kTimerRefused).i(m.virt).s(": ").s(why).emit();
      refused = -1;
      continue;
    }
    int64_t real = peek_real(&g_timer_ids, m.virt);
    memset(&m.saved, 0, sizeof m.saved);
    if (real < 0 || CKPT_NEXT(timer_gettime)(reinterpret_cast<timer_t>(real), &m.saved) != 0) {
      m.used = 0;  // deleted behind our back (raw syscall): nothing to re-create
      continue;
    }
    bool one_shot_done = m.saved.it_value.tv_sec == 0 && m.saved.it_value.tv_nsec == 0 &&
                         m.saved.it_interval.tv_sec == 0 && m.saved.it_interval.tv_nsec == 0;
    if (m.dispatched && one_shot_done) {
      thread_timer_expired_parked(m.virt);  // owed after a restart if it expired just now
    }
  }
  return refused;
}

void timers_restart() {
  reset_lock(&g_timer_ids);
  g_meta_lock = 0;
  bool dispatched = false;
  for (TimerMeta& m : g_meta) {
    if (m.used && m.dispatched) {
      dispatched = true;  // aimed at the dispatcher's new thread id: it re-creates them
    } else if (m.used) {
      recreate(m);
    }
  }
  if (dispatched) thread_timers_restart_pending();
}

void timers_restart_dispatched() {
  MetaGuard g;
  for (TimerMeta& m : g_meta) {
    if (m.used && m.dispatched) recreate(m);
  }
}

}  // namespace ckpt::ipc
