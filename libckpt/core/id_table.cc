// libckpt/core/id_table.cc: the id translation table of ckpt/plugin.h (virtual <-> real),
// for plugins that virtualize kernel- or peer-assigned ids (timers, SysV ids). The table is
// plain process memory, so the image carries it; at restart the plugin re-creates the
// resource and calls ckpt_id_set(virt, new_real). A spin lock guards it: never held across
// a blocking call, so the checkpoint thread can use it too.
// Checkpoint path: yes (no allocation).
#include "ckpt/plugin.h"

namespace {

struct Guard {
  explicit Guard(ckpt_id_table_t* t) : t_(t) {
    while (__atomic_exchange_n(&t_->lock, 1, __ATOMIC_ACQUIRE) != 0) {
      __builtin_ia32_pause();
    }
  }
  ~Guard() { __atomic_store_n(&t_->lock, 0, __ATOMIC_RELEASE); }
  ckpt_id_table_t* t_;
};

int find_virt(const ckpt_id_table_t* t, int64_t virt) {
  for (uint32_t i = 0; i < t->count; ++i) {
    if (t->entries[i].virt == virt) return static_cast<int>(i);
  }
  return -1;
}

int find_real(const ckpt_id_table_t* t, int64_t real) {
  for (uint32_t i = 0; i < t->count; ++i) {
    if (t->entries[i].real == real) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

extern "C" CKPT_EXPORT int64_t ckpt_id_virtualize(ckpt_id_table_t* t, int64_t real) {
  Guard g(t);
  int i = find_real(t, real);
  if (i >= 0) return t->entries[i].virt;
  if (t->count >= t->capacity) return -1;
  while (find_virt(t, t->next_virtual) >= 0) ++t->next_virtual;
  ckpt_id_entry_t& e = t->entries[t->count++];
  e.virt = t->next_virtual++;
  e.real = real;
  return e.virt;
}

extern "C" CKPT_EXPORT int ckpt_id_set(ckpt_id_table_t* t, int64_t virt, int64_t real) {
  Guard g(t);
  int i = find_virt(t, virt);
  if (i < 0) {
    if (t->count >= t->capacity) return -1;
    i = static_cast<int>(t->count++);
    t->entries[i].virt = virt;
  }
  t->entries[i].real = real;
  return 0;
}

extern "C" CKPT_EXPORT int64_t ckpt_id_to_real(ckpt_id_table_t* t, int64_t virt) {
  Guard g(t);
  int i = find_virt(t, virt);
  return i < 0 ? -1 : t->entries[i].real;
}

extern "C" CKPT_EXPORT int64_t ckpt_id_to_virtual(ckpt_id_table_t* t, int64_t real) {
  Guard g(t);
  int i = find_real(t, real);
  return i < 0 ? -1 : t->entries[i].virt;
}

extern "C" CKPT_EXPORT int ckpt_id_remove(ckpt_id_table_t* t, int64_t virt) {
  Guard g(t);
  int i = find_virt(t, virt);
  if (i < 0) return -1;
  t->entries[i] = t->entries[--t->count];
  return 0;
}
