// libckpt/core/delay_lock.cc: see delay_lock.h. Checkpoint path: yes.
#include "core/delay_lock.h"

#include <linux/futex.h>

#include "core/runtime.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {
constexpr int kWait = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
constexpr int kWake = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
}  // namespace

void delay_lock() {
  Runtime& r = rt();
  for (;;) {
    while (r.ckpt_pending != 0) {
      sys::futex(&r.ckpt_pending, kWait, 1);
    }
    __atomic_add_fetch(&r.delay_count, 1, __ATOMIC_SEQ_CST);
    if (r.ckpt_pending == 0) {
      return;
    }
    if (__atomic_sub_fetch(&r.delay_count, 1, __ATOMIC_SEQ_CST) == 0) {
      sys::futex(&r.delay_count, kWake, 1);
    }
  }
}

void delay_unlock() {
  Runtime& r = rt();
  if (__atomic_sub_fetch(&r.delay_count, 1, __ATOMIC_SEQ_CST) == 0 && r.ckpt_pending != 0) {
    sys::futex(&r.delay_count, kWake, 1);
  }
}

void begin_checkpoint_exclusion() {
  Runtime& r = rt();
  __atomic_store_n(&r.ckpt_pending, 1, __ATOMIC_SEQ_CST);
  for (int c = r.delay_count; c != 0; c = r.delay_count) {
    sys::Timespec ts{0, 10 * 1000 * 1000};
    sys::futex(&r.delay_count, kWait, c, &ts);
  }
}

void end_checkpoint_exclusion() {
  Runtime& r = rt();
  __atomic_store_n(&r.ckpt_pending, 0, __ATOMIC_SEQ_CST);
  sys::futex(&r.ckpt_pending, kWake, 0x7fffffff);
}

}  // namespace ckpt
