// plugins/ipc/sysv_restart.cc: the restart half of the SysV protocol (sysv_restart() in
// sysv_checkpoint.h). Leaders re-create their objects (same key, or IPC_PRIVATE) with the
// saved state and publish old id -> new id in the KV store; after a global barrier every
// process points its virtual ids at the new objects and re-attaches its segments at their
// old addresses (shmat SHM_REMAP over the placeholder the loader mapped).
// Checkpoint path: yes (checkpoint thread, application stopped).
#define _GNU_SOURCE 1
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/utsname.h>

#include "ipc_log.h"
#include "ipc_messages.h"
#include "sem_undo.h"
#include "sysv_checkpoint.h"
#include "sysv_state_io.h"
#include "sysv_table.h"
#include "virtual_ids.h"

namespace ckpt::ipc {

namespace {

bool same_host() {
  struct utsname u;
  return uname(&u) == 0 && strncmp(u.nodename, sysv_state().host, sizeof u.nodename) == 0;
}

// The original object, left behind by the killed processes on this host, is stale.
void remove_stale_original(const SysvRecord& r) {
  key_t key;
  uid_t cuid;
  if (same_host() && peek_object(r.kind, r.old_real, &key, &cuid) && key == r.key &&
      cuid == r.cuid) {
    remove_object(r.kind, r.old_real);
  }
}

// Where this process's restored memory holds the segment's saved pages.
const ShmAttach* contents_of(const SysvRecord& r, uint64_t* len) {
  static ShmAttach temp;
  SysvState& s = sysv_state();
  for (int i = 0; i < s.nattach; ++i) {
    if (s.attach[i].shmid == r.old_real) {
      *len = s.attach[i].end - s.attach[i].start;
      return &s.attach[i];
    }
  }
  if (r.temp_addr == 0) return nullptr;
  temp.start = r.temp_addr;
  temp.end = r.temp_addr + ((r.size + 4095) & ~uint64_t{4095});
  *len = temp.end - temp.start;
  return &temp;
}

int create_fresh(const SysvRecord& r) {
  remove_stale_original(r);
  int id = create_object(r);
  if (id < 0 && errno == EEXIST && r.key != IPC_PRIVATE) {
    int old = r.kind == Kind::kShm   ? CKPT_NEXT(shmget)(r.key, 0, 0)
              : r.kind == Kind::kSem ? CKPT_NEXT(semget)(r.key, 0, 0)
                                     : CKPT_NEXT(msgget)(r.key, 0);
    if (old >= 0 && remove_object(r.kind, old) == 0) {
      Line(Level::kWarn).s(msg::kKeyTaken).x(static_cast<uint32_t>(r.key)).emit();
    }
    id = create_object(r);
  }
  return id;
}

void recreate(SysvRecord& r) {
  int id = create_fresh(r);
  uint64_t len = 0;
  const ShmAttach* src = r.kind == Kind::kShm ? contents_of(r, &len) : nullptr;
  const void* from = src != nullptr ? reinterpret_cast<const void*>(src->start) : nullptr;
  if (id < 0 || restore_state(r, id, from, len) != 0) {
    Line(Level::kWarn).s(msg::kRecreateFailed).s(kind_name(r.kind)).s(" ").i(r.virt)
        .s(" (key ").x(static_cast<uint32_t>(r.key)).s("): errno ").i(errno).emit();
    if (id < 0) return;
  }
  r.new_real = id;
  char key[96];
  kv_key(key, sizeof key, "r", sysv_state().generation, r.kind, r.old_real);
  int64_t v = id;
  ckpt_kv_put(key, str_len(key), &v, sizeof v);
  Line(Level::kDebug).s("re-created ").s(kind_name(r.kind)).s(" ").i(r.virt).s(": id ")
      .i(r.old_real).s(" -> ").i(id).emit();
}

void learn_new_id(SysvRecord& r) {
  if (r.new_real < 0) {
    char key[96];
    int64_t v = -1;
    kv_key(key, sizeof key, "r", sysv_state().generation, r.kind, r.old_real);
    if (ckpt_kv_get(key, str_len(key), &v, sizeof v) != static_cast<long>(sizeof v)) {
      Line(Level::kWarn).s(msg::kNoNewId).s(kind_name(r.kind)).s(" ").i(r.virt).emit();
      return;
    }
    r.new_real = static_cast<int32_t>(v);
  }
  ckpt_id_set(sysv_ids(r.kind), r.virt, r.new_real);
}

void reattach(const ShmAttach& a) {
  SysvState& s = sysv_state();
  int32_t id = -1;
  for (int i = 0; i < s.nrecords; ++i) {
    const SysvRecord& r = s.records[i];
    if (r.kind == Kind::kShm && r.old_real == a.shmid) id = r.new_real;
  }
  int flags = SHM_REMAP | ((a.prot & PROT_WRITE) ? 0 : SHM_RDONLY) |
              ((a.prot & PROT_EXEC) ? SHM_EXEC : 0);
  void* want = reinterpret_cast<void*>(a.start);
  if (id < 0 || CKPT_NEXT(shmat)(id, want, flags) != want) {
    Line(Level::kWarn).s(msg::kReattachFailed).x(a.start).s(" (id ").i(a.shmid).s(" -> ")
        .i(id).s("): errno ").i(errno).emit();
  }
}

// Table entries whose object was gone at checkpoint would point at stale ids: drop them.
void drop_unsaved_entries() {
  SysvState& s = sysv_state();
  for (int k = 0; k < kKinds; ++k) {
    ckpt_id_table_t* t = sysv_ids(static_cast<Kind>(k));
    reset_lock(t);
    for (int i = static_cast<int>(t->count) - 1; i >= 0; --i) {
      bool saved = false;
      for (int j = 0; j < s.nrecords && !saved; ++j) {
        saved = s.records[j].valid && static_cast<int>(s.records[j].kind) == k &&
                s.records[j].virt == t->entries[i].virt;
      }
      if (!saved) ckpt_id_remove(t, t->entries[i].virt);
    }
  }
}

}  // namespace

void sysv_restart() {
  SysvState& s = sysv_state();
  drop_unsaved_entries();
  // Every process takes part in the barriers (a process cannot know whether another one
  // had objects without asking the KV store at checkpoint, which processes without objects
  // avoid); they cost two short round trips per restart.
  for (int i = 0; i < s.nrecords; ++i) {
    if (s.records[i].valid && s.records[i].leader) recreate(s.records[i]);
  }
  if (ckpt_barrier("ipc", "recreated", CKPT_SCOPE_GLOBAL) != 0) return;
  for (int i = 0; i < s.nrecords; ++i) {
    if (s.records[i].valid) learn_new_id(s.records[i]);
  }
  sem_undo_restore();
  for (int i = 0; i < s.nattach; ++i) reattach(s.attach[i]);
  for (int i = 0; i < s.nrecords; ++i) {
    SysvRecord& r = s.records[i];
    if (r.temp_addr != 0) {
      munmap(reinterpret_cast<void*>(r.temp_addr), (r.size + 4095) & ~uint64_t{4095});
      r.temp_addr = 0;
    }
  }
  if (ckpt_barrier("ipc", "attached", CKPT_SCOPE_GLOBAL) != 0) return;
  for (int i = 0; i < s.nrecords; ++i) {
    const SysvRecord& r = s.records[i];
    if (r.valid && r.leader && r.removed && r.new_real >= 0) remove_object(r.kind, r.new_real);
  }
}

}  // namespace ckpt::ipc
