// coordinator/protocol.h: the wire protocol between the coordinator, the processes of the
// computation (libckpt's checkpoint thread) and command clients (the `ckpt` CLI).
// Plain-old-data only, so the checkpoint thread can build and parse messages without
// allocating. Every message is one MsgHeader followed by `length` payload bytes, sent in
// one write(2) on a TCP_NODELAY socket. Integers are host order (x86_64 only).
//
// Member session (one TCP connection per process, opened by libckpt):
//   M->C kHello            C->M kWelcome
//   C->M kCheckpoint       starts a round; the member then walks the barrier script below
//   M->C kBarrier{name}    C->M kRelease{name} once every participant of the round arrived
//   M->C kWritten          image durable in the round's .partial directory
//   C->M kCommitted        generation renamed and `latest` switched (or kAbort)
//   C->M kAbort            the round failed: resume the application, skip remaining steps
//   C->M kKill             exit now (ckpt kill / checkpoint --kill)
//   M->C kKvPut / kKvGet   key-value store (plugins); C->M kKvValue answers kKvGet and
//                          atomic kKvPut ops (value after the op)
// Barrier script of a checkpoint round (member side, names as sent):
//   "suspended" "leader_election" "drain" -> write image -> kWritten -> wait kCommitted
//   -> "refilled" "name_service" "resumed"
// Restart round (each restored process connects with kHelloRestarted):
//   "restart" (released when all nprocs of the generation arrived) -> "refilled"
//   -> "name_service" -> "resumed"
// Barrier names are not interpreted by the coordinator: a plugin may add its own.
//
// Command session (ckpt checkpoint/status/kill/interval/quit): C<-client kCommand,
//   client<-C kReply (status 0 = ok; text is JSON), then the coordinator closes.
#pragma once

#include <stdint.h>

namespace ckpt::proto {

inline constexpr uint32_t kMagic = 0x54504b43;  // "CKPT"
inline constexpr uint16_t kVersion = 1;
inline constexpr uint16_t kDefaultPort = 7779;
inline constexpr uint32_t kMaxPayload = 1u << 20;

enum MsgType : uint16_t {
  kHello = 1,
  kWelcome = 2,
  kCheckpoint = 3,
  kBarrier = 4,
  kRelease = 5,
  kWritten = 6,
  kCommitted = 7,
  kAbort = 8,
  kKill = 9,
  kKvPut = 10,
  kKvGet = 11,
  kKvValue = 12,
  kCommand = 20,
  kReply = 21,
};

struct MsgHeader {
  uint32_t magic;
  uint16_t type;     // MsgType
  uint16_t version;  // kVersion
  uint32_t length;   // payload bytes that follow
  uint32_t reserved;
};

enum HelloFlag : uint32_t {
  kHelloRestarted = 1u << 0,  // a process brought back by `ckpt restart`
};
// Bits 8..15 of Hello::flags: the member's default CheckpointFlag modes (`ckpt launch
// --forked/--incremental/--compress`), shown by `ckpt status`.
constexpr uint32_t kHelloModesShift = 8;

struct Hello {
  int32_t pid;
  int32_t ppid;
  int32_t uid;
  uint32_t flags;             // HelloFlag
  uint64_t generation;        // restarted: generation of the image; else 0
  int32_t vpid;               // restarted: vpid from the image; else 0 (coordinator assigns)
  int32_t parent_vpid;        // vpid of the parent if it is a member (fork child), else 0
  uint32_t nprocs;            // restarted: processes in the generation; else 0
  int32_t mpi_rank;           // -1 if unknown
  char host[64];
  char program[256];          // /proc/self/exe
  char job_id[128];           // restarted: from the image; else CKPT_JOB_ID / SLURM_JOB_ID or ""
  char ckpt_dir[512];         // the process's checkpoint directory (absolute), may be ""
  char secret[64];            // per-job secret, "" if none
};

struct Welcome {
  int32_t vpid;               // this member's id in the computation
  uint32_t barrier_timeout_ms;
  uint64_t generation;        // last committed generation of the job (0 if none)
  char job_id[128];
};

enum CheckpointFlag : uint32_t {
  kCkptKillAfter = 1u << 0,   // exit once the generation is committed
  kCkptForked = 1u << 1,      // write the image from a copy-on-write child; resume at once
  kCkptIncremental = 1u << 2, // store only pages changed since the previous generation
  kCkptCompress = 1u << 3,    // zstd-compress page data
  kCkptCompressLz4 = 1u << 4, // compress page data with lz4 instead (implies kCkptCompress)
};

struct Checkpoint {
  uint64_t generation;        // the generation being written
  uint32_t flags;             // CheckpointFlag
  uint32_t nprocs;            // participants of this round
  char dir[1024];             // absolute path of gen-NNNNNN.partial, created by the coordinator
};

struct Barrier {              // kBarrier and kRelease
  char name[64];
};

struct Written {
  char image_name[256];       // file name inside the round's directory
  uint64_t size;              // bytes
  uint32_t checksum;          // ImageHeader::header_crc
  uint32_t nthreads;
  uint64_t saved_pages;
  char plugins[256];          // comma-separated plugin names
  uint64_t oldest_referenced_generation;  // incremental images: oldest generation they need
};

struct Committed {
  uint64_t generation;
  uint32_t flags;             // CheckpointFlag of the round
  uint32_t reserved;
  char dir[1024];             // final gen-NNNNNN directory
};

struct Abort {
  char reason[512];
};

enum KvOp : uint32_t { kKvSet = 0, kKvMin = 1, kKvMax = 2, kKvAdd = 3, kKvOr = 4 };

// kKvPut payload: KvPut, then key bytes, then value bytes.
// kKvGet payload: KvPut with op and value_len 0, then key bytes.
// kKvValue payload: KvPut (found = 1 in op if present), then key bytes, then value bytes.
// Atomic ops take and store int64 values (8 bytes, host order).
struct KvPut {
  uint32_t op;                // KvOp for kKvPut; for kKvValue: 1 = found, 0 = missing
  uint32_t key_len;
  uint32_t value_len;
  uint32_t reserved;
};

enum CommandCode : uint32_t {
  kCmdCheckpoint = 1,
  kCmdStatus = 2,
  kCmdKill = 3,
  kCmdInterval = 4,
  kCmdQuit = 5,
};

enum CommandFlag : uint32_t {
  kCmdWait = 1u << 0,         // checkpoint: reply only when committed (or failed)
  kCmdKillAfter = 1u << 1,    // checkpoint: kill the computation once committed
  // Modes for this checkpoint only; the coordinator copies them into Checkpoint::flags
  // (kCmdForked -> kCkptForked, and so on).
  kCmdForked = 1u << 2,
  kCmdIncremental = 1u << 3,
  kCmdCompress = 1u << 4,
  kCmdCompressLz4 = 1u << 5,  // -> kCkptCompress | kCkptCompressLz4
};

struct Command {
  uint32_t code;              // CommandCode
  uint32_t flags;             // CommandFlag
  int64_t arg;                // interval: seconds (0 = off)
  char secret[64];
};

// kReply payload: Reply, then `text_len` bytes of JSON (not NUL-terminated).
struct Reply {
  int32_t status;             // 0 ok, else an error (text says what)
  uint32_t text_len;
};

}  // namespace ckpt::proto
