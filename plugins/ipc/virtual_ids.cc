// plugins/ipc/virtual_ids.cc: see virtual_ids.h. Checkpoint path: yes.
#include "virtual_ids.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "ipc_log.h"

namespace ckpt::ipc {

namespace {
volatile uint32_t g_epoch;
volatile long g_ckpt_tid = -1;
}  // namespace

int64_t virtualize(ckpt_id_table_t* t, int64_t real) {
  int64_t v = ckpt_id_to_virtual(t, real);
  if (v >= 0) {
    return v;
  }
  if (ckpt_id_to_real(t, real) < 0 && ckpt_id_set(t, real, real) == 0) {
    return real;
  }
  v = ckpt_id_virtualize(t, real);
  if (v < 0) {
    Line(Level::kWarn).s("id table full (").i(t->capacity).s(" entries): id ").i(real)
        .s(" will not survive a restart").emit();
    return real;
  }
  return v;
}

int64_t to_real(ckpt_id_table_t* t, int64_t virt) {
  // Lock-free first: timer_settime and friends are async-signal-safe, and a handler must not
  // spin on a lock the thread it interrupted holds. The locked lookup is only the fallback.
  int64_t r = peek_real(t, virt);
  if (r < 0) {
    r = ckpt_id_to_real(t, virt);
  }
  return r < 0 ? virt : r;
}

int64_t peek_real(const ckpt_id_table_t* t, int64_t virt) {
  for (uint32_t i = 0; i < t->count; ++i) {
    if (t->entries[i].virt == virt) {
      return t->entries[i].real;
    }
  }
  return -1;
}

void reset_lock(ckpt_id_table_t* t) { __atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE); }

uint32_t epoch() { return __atomic_load_n(&g_epoch, __ATOMIC_ACQUIRE); }

void bump_epoch() { __atomic_add_fetch(&g_epoch, 1, __ATOMIC_ACQ_REL); }

void note_ckpt_thread() { g_ckpt_tid = syscall(SYS_gettid); }

DelayGuard::DelayGuard() : held_(syscall(SYS_gettid) != g_ckpt_tid) {
  if (held_) {
    ckpt_delay_checkpoints_lock();
  }
}

DelayGuard::~DelayGuard() {
  if (held_) {
    ckpt_delay_checkpoints_unlock();
  }
}

}  // namespace ckpt::ipc
