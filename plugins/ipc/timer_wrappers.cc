// plugins/ipc/timer_wrappers.cc: interposers for the POSIX timer calls. The application sees
// virtual timer ids (timer_table.h); each call translates to the real timer.
// Wrapped: timer_create timer_settime timer_gettime timer_getoverrun timer_delete
// Checkpoint path: no (application threads). errno is preserved from the real call.
#include <errno.h>
#include <time.h>

#include "ckpt/plugin.h"
#include "timer_table.h"
#include "timer_thread.h"
#include "virtual_ids.h"

namespace {

timer_t real_timer(timer_t virt) {
  ckpt::ipc::thread_timers_wait_ready();  // dispatched timers are re-created after a restart
  int64_t v = reinterpret_cast<intptr_t>(virt);
  return reinterpret_cast<timer_t>(ckpt::ipc::to_real(ckpt::ipc::timer_ids(), v));
}

}  // namespace

extern "C" CKPT_EXPORT int timer_create(clockid_t clock, struct sigevent* sev, timer_t* id) {
  ckpt::ipc::DelayGuard guard;  // the timer and its table entry appear together
  struct sigevent dispatched;
  int slot = -1;
  if (sev != nullptr && sev->sigev_notify == SIGEV_THREAD) {
    slot = ckpt::ipc::thread_timer_prepare(sev, &dispatched);
    if (slot < 0) return -1;
    sev = &dispatched;
  }
  timer_t real{};
  int rc = CKPT_NEXT(timer_create)(clock, sev, &real);
  int saved = errno;
  int64_t v = -1;
  if (rc == 0) {
    v = ckpt::ipc::timer_created(reinterpret_cast<intptr_t>(real), clock, sev, slot >= 0);
    *id = reinterpret_cast<timer_t>(v);
  }
  if (slot >= 0) ckpt::ipc::thread_timer_bind(slot, v);
  errno = saved;
  return rc;
}

extern "C" CKPT_EXPORT int timer_settime(timer_t id, int flags, const struct itimerspec* val,
                                         struct itimerspec* old) {
  return CKPT_NEXT(timer_settime)(real_timer(id), flags, val, old);
}

extern "C" CKPT_EXPORT int timer_gettime(timer_t id, struct itimerspec* val) {
  return CKPT_NEXT(timer_gettime)(real_timer(id), val);
}

extern "C" CKPT_EXPORT int timer_getoverrun(timer_t id) {
  return CKPT_NEXT(timer_getoverrun)(real_timer(id));
}

extern "C" CKPT_EXPORT int timer_delete(timer_t id) {
  ckpt::ipc::DelayGuard guard;
  int rc = CKPT_NEXT(timer_delete)(real_timer(id));
  int saved = errno;
  if (rc == 0) {
    ckpt::ipc::timer_deleted(reinterpret_cast<intptr_t>(id));
    ckpt::ipc::thread_timer_release(reinterpret_cast<intptr_t>(id));
  }
  errno = saved;
  return rc;
}
