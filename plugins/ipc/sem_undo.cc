// plugins/ipc/sem_undo.cc: see sem_undo.h.
#define _GNU_SOURCE 1
#include "sem_undo.h"

#include <errno.h>
#include <sched.h>

#include "ckpt/plugin.h"
#include "ipc_log.h"
#include "ipc_messages.h"
#include "sysv_table.h"
#include "virtual_ids.h"

namespace ckpt::ipc {

namespace {

constexpr int kMaxUndo = 1024;

struct Undo {
  int64_t virt;  // semaphore set (virtual id); entries with adj 0 are free
  int num;
  int adj;       // what the kernel adds at exit
};

struct UndoTable {
  Undo list[kMaxUndo];
  int count;
  volatile int lock;
};

UndoTable g_undo;

struct Locked {
  Locked() {
    while (__atomic_exchange_n(&g_undo.lock, 1, __ATOMIC_ACQUIRE) != 0) sched_yield();
  }
  ~Locked() { __atomic_store_n(&g_undo.lock, 0, __ATOMIC_RELEASE); }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;
};

Undo* slot(int64_t virt, int num) {
  Undo* free = nullptr;
  for (int i = 0; i < g_undo.count; ++i) {
    Undo& u = g_undo.list[i];
    if (u.adj != 0 && u.virt == virt && u.num == num) return &u;
    if (u.adj == 0 && free == nullptr) free = &u;
  }
  if (free != nullptr) return free;
  if (g_undo.count >= kMaxUndo) return nullptr;
  return &g_undo.list[g_undo.count++];
}

}  // namespace

void sem_undo_note(int64_t virt, const struct sembuf* sops, size_t n) {
  Locked l;
  for (size_t i = 0; i < n; ++i) {
    if ((sops[i].sem_flg & SEM_UNDO) == 0 || sops[i].sem_op == 0) continue;
    Undo* u = slot(virt, sops[i].sem_num);
    if (u == nullptr) {
      Line(Level::kWarn).s(msg::kTooManyUndos).emit();
      continue;
    }
    if (u->adj == 0) {
      u->virt = virt;
      u->num = sops[i].sem_num;
    }
    u->adj -= sops[i].sem_op;
  }
}

void sem_undo_clear(int64_t virt, int semnum) {
  Locked l;
  for (int i = 0; i < g_undo.count; ++i) {
    Undo& u = g_undo.list[i];
    if (u.virt == virt && (semnum < 0 || u.num == semnum)) u.adj = 0;
  }
}

void sem_undo_fork_child() {
  g_undo.lock = 0;  // the only thread now; a lock held by another thread at fork is void
  g_undo.count = 0;
}

void sem_undo_restore() {
  g_undo.lock = 0;  // a thread stopped inside the table left it taken in the image
  for (int i = 0; i < g_undo.count; ++i) {
    const Undo& u = g_undo.list[i];
    if (u.adj == 0) continue;
    int real = static_cast<int>(peek_real(sysv_ids(Kind::kSem), u.virt));
    short a = static_cast<short>(u.adj);
    struct sembuf with_undo = {static_cast<unsigned short>(u.num), static_cast<short>(-a),
                               SEM_UNDO | IPC_NOWAIT};
    struct sembuf plain = {static_cast<unsigned short>(u.num), a, IPC_NOWAIT};
    // The raising operation first, so that the pair never has to wait.
    struct sembuf ops[2] = {a > 0 ? plain : with_undo, a > 0 ? with_undo : plain};
    if (CKPT_NEXT(semop)(real, ops, 2) != 0) {
      Line(Level::kWarn).s(msg::kUndoFailed).i(u.virt).s(" #").i(u.num).s(" (").i(u.adj)
          .s("): errno ").i(errno).emit();
    }
  }
}

}  // namespace ckpt::ipc
