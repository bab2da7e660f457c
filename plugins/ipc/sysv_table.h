// plugins/ipc/sysv_table.h: SysV shared memory segments, semaphore sets and message queues
// with virtual ids (one ckpt_id_table_t per kind: the application keeps its ids), and the
// per-object record the checkpoint fills in (identity, permissions, state). Everything is
// static process memory, so the image carries it to the restart.
// Checkpoint path: yes (no allocation); the wrappers call sysv_ids() from application threads.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ckpt/plugin.h"

namespace ckpt::ipc {

enum class Kind : int { kShm = 0, kSem = 1, kMsg = 2 };
inline constexpr int kKinds = 3;
const char* kind_name(Kind k);

ckpt_id_table_t* sysv_ids(Kind k);

struct SysvRecord {
  Kind kind;
  int valid;         // the object existed at this checkpoint
  int leader;        // this process saves it at checkpoint and re-creates it at restart
  int attached;      // shm: attached in this process at checkpoint
  int removed;       // shm: IPC_RMID done, segment lives on while attached
  int64_t virt;
  int32_t old_real;  // kernel id at checkpoint: the object's name in the KV store
  int32_t new_real;  // kernel id after restart
  key_t key;
  uid_t uid, cuid;
  gid_t gid;
  uint32_t mode;     // permission bits
  uint64_t size;     // shm: segment bytes; sem: number of semaphores; msg: queue bytes
  uint64_t data_off; // into the data pool: sem values or queued messages
  uint64_t data_len;
  uint32_t nmsgs;
  uint64_t temp_addr;  // shm leader not attached: temporary read-only attachment
};

struct ShmAttach {
  uint64_t start, end;
  int prot;        // PROT_* of the mapping
  int32_t shmid;   // kernel id at checkpoint (the inode column of /proc/self/maps)
};

inline constexpr int kMaxRecords = 1024;
inline constexpr int kMaxAttach = 256;

struct SysvState {
  SysvRecord records[kMaxRecords];
  int nrecords;
  ShmAttach attach[kMaxAttach];
  int nattach;
  uint64_t generation;  // of the checkpoint: names the KV keys at checkpoint and restart
  char host[65];        // where the checkpoint was taken (stale originals are removed only there)
  uint64_t pool_used;
};
SysvState& sysv_state();

// Data pool for semaphore values and queued messages (static; untouched pages cost nothing).
inline constexpr uint64_t kPoolBytes = 16u << 20;
char* pool();

// "ipc.<what>.<gen>.<kind>.<id>" into out (no allocation).
void kv_key(char* out, size_t cap, const char* what, uint64_t gen, Kind k, int64_t id);
size_t str_len(const char* s);

}  // namespace ckpt::ipc
