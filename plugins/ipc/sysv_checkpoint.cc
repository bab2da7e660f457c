// plugins/ipc/sysv_checkpoint.cc: see sysv_checkpoint.h. Checkpoint path: yes.
#define _GNU_SOURCE 1
#include "sysv_checkpoint.h"

#include <errno.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/utsname.h>

#include "ipc_log.h"
#include "ipc_messages.h"
#include "shm_maps.h"
#include "sysv_state_io.h"
#include "sysv_table.h"

namespace ckpt::ipc {

namespace {

SysvRecord* find_record(Kind k, int32_t old_real) {
  SysvState& s = sysv_state();
  for (int i = 0; i < s.nrecords; ++i) {
    if (s.records[i].kind == k && s.records[i].old_real == old_real) return &s.records[i];
  }
  return nullptr;
}

void add_record(Kind k, int64_t virt, int64_t real) {
  SysvState& s = sysv_state();
  if (find_record(k, static_cast<int32_t>(real)) != nullptr) return;
  if (s.nrecords >= kMaxRecords) {
    Line(Level::kWarn).s(msg::kTooManyObjects).emit();
    return;
  }
  SysvRecord& r = s.records[s.nrecords];
  memset(&r, 0, sizeof r);
  r.kind = k;
  r.virt = virt;
  r.old_real = static_cast<int32_t>(real);
  r.new_real = -1;
  if (!stat_object(r)) return;  // removed meanwhile: nothing to save
  r.valid = 1;
  for (int i = 0; i < s.nattach && k == Kind::kShm; ++i) {
    if (s.attach[i].shmid == r.old_real) r.attached = 1;
  }
  ++s.nrecords;
}

int64_t score(const SysvRecord& r) {
  return (static_cast<int64_t>(r.attached ? 0 : 1) << 32) | static_cast<uint32_t>(ckpt_vpid());
}

int refuse(const SysvRecord& r, const char* why) {
  Line(Level::kWarn).s(msg::kSysvRefused).s(kind_name(r.kind)).s(" ").i(r.virt).s(": ").s(why)
      .s(" (errno ").i(errno).s(")").emit();
  return -1;
}

int save_one(SysvRecord& r) {
  if (r.kind == Kind::kSem) {
    return save_sem_values(r) == 0 ? 0 : refuse(r, errno == ENOSPC ? msg::kPoolFull : "GETALL");
  }
  if (r.kind == Kind::kMsg) {
    return save_messages(r) == 0 ? 0
                                 : refuse(r, errno == ENOSPC ? msg::kPoolFull : msg::kMsgCopyFailed);
  }
  if (!r.attached) {  // nobody has it attached: map it so the image carries its pages
    void* a = CKPT_NEXT(shmat)(r.old_real, nullptr, SHM_RDONLY);
    if (a == reinterpret_cast<void*>(-1)) return refuse(r, msg::kTempAttachFailed);
    r.temp_addr = reinterpret_cast<uint64_t>(a);
  }
  return 0;
}

// Only the leader's first attachment of a segment keeps its pages in the images; every other
// attachment is recorded empty (ckpt_region_skip_pages) and replaced at restart.
void skip_duplicate_pages() {
  SysvState& s = sysv_state();
  for (int i = 0; i < s.nattach; ++i) {
    const ShmAttach& a = s.attach[i];
    const SysvRecord* r = find_record(Kind::kShm, a.shmid);
    bool first = true;
    for (int j = 0; j < i && first; ++j) first = s.attach[j].shmid != a.shmid;
    if (r != nullptr && r->valid && !(r->leader && first)) {
      ckpt_region_skip_pages(a.start, a.end);
    }
  }
}

}  // namespace

int sysv_collect() {
  SysvState& s = sysv_state();
  sysv_release();  // a round that was aborted early left them attached
  s.nrecords = 0;
  s.pool_used = 0;
  s.generation = ckpt_generation();
  struct utsname u;
  if (uname(&u) == 0) memcpy(s.host, u.nodename, sizeof s.host);
  read_shm_attachments(s);
  for (int k = 0; k < kKinds; ++k) {
    const ckpt_id_table_t* t = sysv_ids(static_cast<Kind>(k));
    for (uint32_t i = 0; i < t->count; ++i) {  // lock-free: application threads are stopped
      add_record(static_cast<Kind>(k), t->entries[i].virt, t->entries[i].real);
    }
  }
  for (int i = 0; i < s.nattach; ++i) {  // attached by an id we never saw (raw syscall)
    add_record(Kind::kShm, s.attach[i].shmid, s.attach[i].shmid);
  }
  return 0;
}

// A process without SysV objects makes no KV request: a request in a round the coordinator
// has already aborted would swallow the abort notice the core waits for.
int sysv_elect() {
  SysvState& s = sysv_state();
  char key[96];
  int64_t out = 0;
  for (int i = 0; i < s.nrecords; ++i) {
    const SysvRecord& r = s.records[i];
    kv_key(key, sizeof key, "e", s.generation, r.kind, r.old_real);
    if (ckpt_kv_atomic(CKPT_KV_MIN, key, str_len(key), score(r), &out) != 0) return -1;
  }
  return 0;
}

int sysv_save() {
  SysvState& s = sysv_state();
  char key[96];
  for (int i = 0; i < s.nrecords; ++i) {
    SysvRecord& r = s.records[i];
    int64_t mine = score(r), best = mine;
    kv_key(key, sizeof key, "e", s.generation, r.kind, r.old_real);
    if (ckpt_kv_atomic(CKPT_KV_MIN, key, str_len(key), mine, &best) != 0) return -1;
    r.leader = best == mine;
    if (r.leader && save_one(r) != 0) return -1;
    Line(Level::kDebug).s(kind_name(r.kind)).s(" ").i(r.virt).s(" (id ").i(r.old_real)
        .s(", key ").x(static_cast<uint32_t>(r.key)).s(") leader ").i(r.leader).emit();
  }
  skip_duplicate_pages();
  return 0;
}

void sysv_release() {
  SysvState& s = sysv_state();
  for (int i = 0; i < s.nrecords; ++i) {
    SysvRecord& r = s.records[i];
    if (r.temp_addr != 0) {
      CKPT_NEXT(shmdt)(reinterpret_cast<void*>(r.temp_addr));
      r.temp_addr = 0;
    }
  }
}

}  // namespace ckpt::ipc
