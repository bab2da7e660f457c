// libckpt/core/runtime.h: the state libckpt keeps inside the application.
// Checkpoint path: everything here is statically allocated, so the checkpoint thread can
// fill it after the user threads are suspended, without malloc. Because it lives in the
// process's own memory, it is saved in the image and read back by the restart entry.
// One Runtime instance exists (rt()); it is the in-process equivalent of a kernel's task
// table and is deliberately not a C++ object with constructors (zero-initialised .bss).
#pragma once

#include <stdint.h>

#include "core/context.h"
#include "../../coordinator/protocol.h"

namespace ckpt {

inline constexpr int kMaxThreads = 1024;
inline constexpr int kMaxFds = 1024;
inline constexpr int kNumSignals = 65;   // 1..64
inline constexpr int kNumRlimits = 16;
inline constexpr int kFdPathArena = 256 * 1024;
inline constexpr int kPipeArena = 1024 * 1024;

enum SlotState : int { kSlotFree = 0, kSlotSignaled, kSlotSuspended, kSlotRestored, kSlotGone };

struct ThreadSlot {
  volatile int state;     // SlotState
  int tid;                // tid now (updated at restart)
  int is_main;            // the thread group leader
  int new_tid;            // written by clone(CLONE_PARENT_SETTID) at restart
  CkptCtx ctx;            // where ckpt_ctx_restore resumes the thread
  uint64_t fs_base;
  uint64_t rip, rsp, sigmask;   // from the signal frame (for inspect)
  uint64_t robust_head, robust_len;
  uint64_t altstack_sp, altstack_size;
  int altstack_flags;
  int pad;
  uint64_t sigpending;    // thread-directed pending signals at suspend
  uint64_t rseq_addr;
  uint32_t rseq_len;
  char name[16];
};

struct KernelSigaction {  // the kernel's struct sigaction for rt_sigaction
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

enum FdKind : int { kFdRegular = 1, kFdDirectory, kFdCharDev, kFdPipe, kFdSocket, kFdOther };

struct FdRecord {
  int fd;
  int kind;          // FdKind
  int status_flags;  // F_GETFL
  int fd_flags;      // F_GETFD (FD_CLOEXEC)
  int64_t offset;
  uint32_t path_off; // into ProcessState::fd_paths
  uint32_t path_len;
  uint64_t pipe_ino; // pipes: inode from "pipe:[N]"
  uint32_t data_off; // pipes whose both ends are ours: drained bytes in ProcessState::pipe_data
  uint32_t data_len;
  int peerless;      // pipes: the other end is open nowhere (pipe_table.h)
  int reserved;
};

struct MmFields {  // /proc/self/stat fields needed by PR_SET_MM_MAP
  uint64_t start_code, end_code, start_data, end_data, start_brk, brk, start_stack;
  uint64_t arg_start, arg_end, env_start, env_end;
  uint64_t auxv[64];
  uint32_t auxv_size;  // bytes
};

struct ProcessState {
  KernelSigaction actions[kNumSignals];
  uint64_t rlimits[kNumRlimits][2];
  uint32_t umask;
  uint32_t personality;
  uint64_t shared_pending;       // process-directed pending signals
  char cwd[4096];
  MmFields mm;
  FdRecord fds[kMaxFds];
  int nfds;
  uint32_t fd_paths_used;
  char fd_paths[kFdPathArena];
  uint32_t pipe_data_used;
  char pipe_data[kPipeArena];
};

struct Config {
  char coord_host[256];
  char coord_port[16];
  char ckpt_dir[1024];
  char job_id[128];
  char secret[64];
  char hwloc_summary[256];
  int signal;                    // suspend signal
  uint32_t default_modes;        // proto::CheckpointFlag bits from CKPT_FORKED etc.
  int log_level_set;
};

struct Runtime {
  Config cfg;
  ThreadSlot slots[kMaxThreads];
  int nslots;
  int main_slot;                 // index of the thread group leader's slot, -1 if none
  int ckpt_slot;                 // index of the checkpoint thread's slot
  ProcessState proc;
  volatile int nsuspended;       // futex: user threads parked in the handler
  volatile int nrestored;        // futex: user threads resumed into their handler at restart
  volatile int resume_seq;       // futex: bumped to let parked threads return
  volatile int suspend_active;   // the handler parks only while this is set
  volatile int delay_count;      // dmtcpDelayCheckpointsLock depth over all threads
  volatile int ckpt_pending;     // a checkpoint waits for delay_count to drop to 0
  int tid_offset;                // offset of glibc's cached tid from fs_base, -1 if unknown
  int coord_fd;                  // protected fd of the coordinator session, -1 if none
  int log_fd;
  int vpid;
  int parent_vpid;
  int restarted;                 // 1 once this process has been restarted
  uint32_t barrier_timeout_ms;
  uint64_t generation;           // last committed generation seen
  char job_id[128];
  char host[64];
  char exe[1024];
  char glibc_version[32];
  int ckpt_tid;
  uint64_t scratch[8][2];        // libckpt's own transient mappings, excluded from images
  proto::Checkpoint round;       // the round being taken (kept in memory: the image has it)
  char coord_addr[128];          // "host:port" of the coordinator
  uint64_t loader_unmap[4][2];   // restart: the loader's mappings, unmapped after restart
  uint32_t loader_nunmap;
  uint64_t restart_started_ns;
};

Runtime& rt();

}  // namespace ckpt
