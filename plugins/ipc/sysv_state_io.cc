// plugins/ipc/sysv_state_io.cc: see sysv_state_io.h. Checkpoint path: yes.
#define _GNU_SOURCE 1
#include "sysv_state_io.h"

#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

namespace ckpt::ipc {

namespace {

union SemArg {
  int val;
  struct semid_ds* buf;
  unsigned short* array;
};

// Layout of one saved message in the pool: its text length, then struct msgbuf.
struct SavedMsg {
  uint64_t len;
  long mtype;
  char mtext[1];
};

uint64_t align8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

void fill_perm(SysvRecord& rec, const struct ipc_perm& p) {
  rec.key = p.__key;
  rec.uid = p.uid;
  rec.gid = p.gid;
  rec.cuid = p.cuid;
  rec.mode = p.mode & 0777;
}

void set_perm(struct ipc_perm& p, const SysvRecord& rec) {
  p.uid = rec.uid;
  p.gid = rec.gid;
  p.mode = static_cast<unsigned short>((p.mode & ~0777u) | rec.mode);
}

int restore_messages(const SysvRecord& rec, int id) {
  uint64_t off = rec.data_off;
  for (uint32_t i = 0; i < rec.nmsgs; ++i) {
    auto* m = reinterpret_cast<SavedMsg*>(pool() + off);
    if (CKPT_NEXT(msgsnd)(id, &m->mtype, m->len, IPC_NOWAIT) != 0) {
      return -1;
    }
    off += align8(sizeof(uint64_t) + sizeof(long) + m->len);
  }
  return 0;
}

}  // namespace

bool stat_object(SysvRecord& rec) {
  int id = rec.old_real;
  if (rec.kind == Kind::kShm) {
    struct shmid_ds ds;
    if (CKPT_NEXT(shmctl)(id, IPC_STAT, &ds) != 0) return false;
    fill_perm(rec, ds.shm_perm);
    rec.removed = (ds.shm_perm.mode & SHM_DEST) != 0;
    rec.size = ds.shm_segsz;
    return true;
  }
  if (rec.kind == Kind::kSem) {
    struct semid_ds ds;
    SemArg arg;
    arg.buf = &ds;
    if (CKPT_NEXT(semctl)(id, 0, IPC_STAT, arg) != 0) return false;
    fill_perm(rec, ds.sem_perm);
    rec.size = ds.sem_nsems;
    return true;
  }
  struct msqid_ds ds;
  if (CKPT_NEXT(msgctl)(id, IPC_STAT, &ds) != 0) return false;
  fill_perm(rec, ds.msg_perm);
  rec.size = ds.msg_qbytes;
  rec.nmsgs = static_cast<uint32_t>(ds.msg_qnum);
  return true;
}

bool peek_object(Kind k, int id, key_t* key, uid_t* cuid) {
  SysvRecord r{};
  r.kind = k;
  r.old_real = id;
  if (!stat_object(r)) return false;
  *key = r.key;
  *cuid = r.cuid;
  return true;
}

int remove_object(Kind k, int id) {
  if (k == Kind::kShm) return CKPT_NEXT(shmctl)(id, IPC_RMID, nullptr);
  if (k == Kind::kSem) return CKPT_NEXT(semctl)(id, 0, IPC_RMID);
  return CKPT_NEXT(msgctl)(id, IPC_RMID, nullptr);
}

int save_sem_values(SysvRecord& rec) {
  SysvState& s = sysv_state();
  uint64_t bytes = align8(rec.size * sizeof(unsigned short));
  if (s.pool_used + bytes > kPoolBytes) {
    errno = ENOSPC;
    return -1;
  }
  SemArg arg;
  arg.array = reinterpret_cast<unsigned short*>(pool() + s.pool_used);
  if (CKPT_NEXT(semctl)(rec.old_real, 0, GETALL, arg) != 0) return -1;
  rec.data_off = s.pool_used;
  rec.data_len = bytes;
  s.pool_used += bytes;
  return 0;
}

// Copies the queue into the pool: with MSG_COPY (CONFIG_CHECKPOINT_RESTORE) the messages
// stay queued; without it they are received in order and sent back in the same order.
int save_messages(SysvRecord& rec) {
  SysvState& s = sysv_state();
  rec.data_off = s.pool_used;
  uint64_t off = s.pool_used;
  bool copy = true;
  for (uint32_t i = 0; i < rec.nmsgs;) {
    auto* m = reinterpret_cast<SavedMsg*>(pool() + off);
    uint64_t head = sizeof(uint64_t) + sizeof(long);
    if (off + head + 64 > kPoolBytes) {
      errno = ENOSPC;
      return -1;
    }
    size_t cap = kPoolBytes - off - head;
    ssize_t n = copy ? CKPT_NEXT(msgrcv)(rec.old_real, &m->mtype, cap, i, IPC_NOWAIT | MSG_COPY)
                     : CKPT_NEXT(msgrcv)(rec.old_real, &m->mtype, cap, 0, IPC_NOWAIT);
    if (n < 0 && copy && errno == ENOSYS) {
      copy = false;  // kernel without MSG_COPY: receive instead (from the first message on)
      continue;
    }
    if (n < 0) return -1;
    m->len = static_cast<uint64_t>(n);
    off += align8(head + m->len);
    ++i;
  }
  rec.data_len = off - rec.data_off;
  s.pool_used = off;
  return copy ? 0 : restore_messages(rec, rec.old_real);
}

int create_object(const SysvRecord& rec) {
  int flags = IPC_CREAT | IPC_EXCL | static_cast<int>(rec.mode) | 0600;
  if (rec.kind == Kind::kShm) return CKPT_NEXT(shmget)(rec.key, rec.size, flags);
  if (rec.kind == Kind::kSem) return CKPT_NEXT(semget)(rec.key, static_cast<int>(rec.size), flags);
  return CKPT_NEXT(msgget)(rec.key, flags);
}

int restore_state(const SysvRecord& rec, int id, const void* shm_contents, uint64_t shm_len) {
  if (rec.kind == Kind::kShm) {
    if (shm_contents != nullptr && shm_len > 0) {
      void* dst = CKPT_NEXT(shmat)(id, nullptr, 0);
      if (dst == reinterpret_cast<void*>(-1)) return -1;
      memcpy(dst, shm_contents, shm_len < rec.size ? shm_len : rec.size);
      CKPT_NEXT(shmdt)(dst);
    }
    struct shmid_ds ds;
    if (CKPT_NEXT(shmctl)(id, IPC_STAT, &ds) != 0) return -1;
    set_perm(ds.shm_perm, rec);
    return CKPT_NEXT(shmctl)(id, IPC_SET, &ds);
  }
  if (rec.kind == Kind::kSem) {
    SemArg arg;
    arg.array = reinterpret_cast<unsigned short*>(pool() + rec.data_off);
    if (rec.data_len > 0 && CKPT_NEXT(semctl)(id, 0, SETALL, arg) != 0) return -1;
    struct semid_ds ds;
    arg.buf = &ds;
    if (CKPT_NEXT(semctl)(id, 0, IPC_STAT, arg) != 0) return -1;
    set_perm(ds.sem_perm, rec);
    return CKPT_NEXT(semctl)(id, 0, IPC_SET, arg);
  }
  struct msqid_ds ds;
  if (CKPT_NEXT(msgctl)(id, IPC_STAT, &ds) != 0) return -1;
  ds.msg_qbytes = rec.size;
  CKPT_NEXT(msgctl)(id, IPC_SET, &ds);  // raising the limit needs CAP_SYS_RESOURCE
  if (restore_messages(rec, id) != 0) return -1;
  set_perm(ds.msg_perm, rec);
  return CKPT_NEXT(msgctl)(id, IPC_SET, &ds);
}

}  // namespace ckpt::ipc
