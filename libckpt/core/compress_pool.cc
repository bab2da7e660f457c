// libckpt/core/compress_pool.cc: see compress_pool.h. Checkpoint path: yes.
//
// Slots form a ring: the writer fills slot `fill_`, marks it kReady and moves on; a
// compressor (a worker, or the writer while it waits) claims a kReady slot with a CAS,
// compresses it and marks it kDone; the writer hands slot `write_` to the sink once it is
// kDone and marks it kFree. Workers sleep on a futex word bumped at every submit and at stop.
//
// Waiting: a worker without work, and the writer waiting for a chunk another thread is
// compressing, wait without sleeping (pause, then sched_yield) for up to kWorkerSpinNs /
// kWriterSpinNs before sleeping on a futex (spin_while). A chunk takes 0.1 to 4 ms; a futex sleep and wake at every hand-off
// (1024 per GiB) costs a syscall and an inter-processor interrupt, which on a virtual
// machine traps to the host, plus the wake-up latency of an idle virtual CPU.
// submit() wakes a worker only when one sleeps.
//
// Each slot keeps kFrameBytes in front of both buffers, where the compressor puts the
// chunk header, so the header and the bytes go out in one write, checksummed in one piece
// by the compressor (image::crc32c_combine joins them in order in the writer).
#define ZSTD_STATIC_LINKING_ONLY
#include "core/compress_pool.h"

#include <linux/futex.h>
#include <lz4.h>
#include <sched.h>
#include <sys/mman.h>
#include <zstd.h>

#include "core/context.h"
#include "image/crc32c.h"
#include "image/image_format.h"
#include "sys/log.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

enum SlotState : int { kFree = 0, kReady = 1, kBusy = 2, kDone = 3 };

constexpr size_t kStackBytes = 256 * 1024;
constexpr size_t kRawBytes = image::kCompressChunkBytes;
constexpr size_t kFrameBytes = 64;  // room for the CompressedChunk before each buffer
constexpr uint64_t kWorkerSpinNs = 2000000;
constexpr uint64_t kWriterSpinNs = 10000000;
constexpr int kFutexWait = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
constexpr int kFutexWake = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
constexpr unsigned long kWorkerCloneFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
                                            CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
                                            CLONE_CHILD_CLEARTID;

size_t round_page(size_t n) { return (n + 4095) & ~size_t{4095}; }

int load(const volatile int* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void store(volatile int* p, int v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

// Waits while *p == v, for at most `ns`, without sleeping: a short busy spin, then
// sched_yield, which returns at once on an idle CPU and lets other work run on a loaded
// one (the wait then costs little CPU time). True when *p changed.
bool spin_while(const volatile int* p, int v, uint64_t ns) {
  for (int i = 0; i < 2000; ++i) {
    if (load(p) != v) return true;
    __builtin_ia32_pause();
  }
  uint64_t deadline = sys::monotonic_ns() + ns;
  for (;;) {
    if (load(p) != v) return true;
    if (sys::monotonic_ns() >= deadline) return false;
    sys::call(sys::kSchedYield);
  }
}

}  // namespace

struct CompressPool::Slot {
  char* raw;          // kFrameBytes of room before it, as before `out`
  char* out;
  size_t out_cap;
  uint32_t raw_len;
  uint32_t stored_len;
  uint32_t crc;       // of the header and the stored bytes
  volatile int state;
};

namespace {

struct Control {
  volatile int seq;   // bumped at every submit and at stop (futex word of idle workers)
  volatile int stop;
  volatile int sleepers;  // workers in (or about to enter) the futex wait on seq
  volatile int worker_sleeps;
  bool lz4;           // the contexts are lz4 states (LZ4_sizeofState), not ZSTD_CCtx
  CompressPool::Slot* slots;
  int nslots;
};

struct Worker {
  Control* ctl;
  void* cctx;
  volatile int tid;   // cleared by the kernel when the thread exits (CLONE_CHILD_CLEARTID)
};

// Bytes `n` bytes at `p` compress to (n when they do not), into s.out.
size_t packed_size(CompressPool::Slot& s, const char* p, size_t n, void* cctx, bool lz4) {
  if (lz4) {
    int c = LZ4_compress_fast_extState(cctx, p, s.out, static_cast<int>(n),
                                       static_cast<int>(s.out_cap), 1);
    return c <= 0 ? n : static_cast<size_t>(c);
  }
  size_t c = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(cctx), s.out, s.out_cap, p, n, 1);
  return ZSTD_isError(c) ? n : c;
}

// True when kSamples samples of kSampleBytes spread over the chunk do not compress (random
// or already compressed data): the chunk is then stored as is, for about 1/64 of the cost
// of compressing it whole. A chunk that only partly compresses may be stored raw too.
constexpr size_t kSampleBytes = 4096;
constexpr size_t kSamples = 4;
bool looks_incompressible(CompressPool::Slot& s, void* cctx, bool lz4) {
  if (s.raw_len < 16 * kSampleBytes) return false;
  size_t packed = 0, step = (s.raw_len - kSampleBytes) / (kSamples - 1);
  for (size_t i = 0; i < kSamples; ++i) {
    packed += packed_size(s, s.raw + i * step, kSampleBytes, cctx, lz4);
  }
  return packed * 100 >= kSamples * kSampleBytes * 98;
}

void compress_slot(CompressPool::Slot& s, void* cctx, bool lz4) {
  if (looks_incompressible(s, cctx, lz4)) {
    s.stored_len = s.raw_len;
  } else if (lz4) {
    int c = LZ4_compress_fast_extState(cctx, s.raw, s.out, static_cast<int>(s.raw_len),
                                       static_cast<int>(s.out_cap), 1);
    s.stored_len = (c <= 0 || static_cast<uint32_t>(c) >= s.raw_len) ? s.raw_len
                                                                      : static_cast<uint32_t>(c);
  } else {
    size_t c = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(cctx), s.out, s.out_cap, s.raw,
                                 s.raw_len, 1);
    s.stored_len = (ZSTD_isError(c) || c >= s.raw_len) ? s.raw_len : static_cast<uint32_t>(c);
  }
  char* data = s.stored_len == s.raw_len ? s.raw : s.out;
  image::CompressedChunk h{s.raw_len, s.stored_len};
  sys::mem_copy(data - sizeof h, &h, sizeof h);
  s.crc = image::crc32c(data - sizeof h, sizeof h + s.stored_len);
  store(&s.state, kDone);
  sys::futex(&s.state, kFutexWake, 1);
}

// Claims one kReady slot and compresses it; false when there was none.
bool claim_and_compress(Control& c, void* cctx) {
  for (int i = 0; i < c.nslots; ++i) {
    int expected = kReady;
    if (__atomic_compare_exchange_n(&c.slots[i].state, &expected, kBusy, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      compress_slot(c.slots[i], cctx, c.lz4);
      return true;
    }
  }
  return false;
}

void worker_main(void* arg) {
  auto* w = static_cast<Worker*>(arg);
  uint64_t all = ~0ull;
  sys::call(sys::kRtSigprocmask, 0 /*SIG_BLOCK*/, &all, nullptr, 8);
  Control& c = *w->ctl;
  for (;;) {
    int seen = load(&c.seq);
    if (claim_and_compress(c, w->cctx)) continue;
    if (load(&c.stop)) return;
    if (spin_while(&c.seq, seen, kWorkerSpinNs)) continue;
    // seq_cst with submit(): either it sees us counted, or the futex sees its new seq
    __atomic_add_fetch(&c.sleepers, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&c.worker_sleeps, 1, __ATOMIC_RELAXED);
    sys::futex(&c.seq, kFutexWait, seen);
    __atomic_sub_fetch(&c.sleepers, 1, __ATOMIC_SEQ_CST);
  }
}

}  // namespace

int CompressPool::default_workers() {
  uint64_t mask[16] = {};
  long n = sys::call(sys::kSchedGetaffinity, 0, sizeof mask, mask);
  int cpus = 0;
  for (long i = 0; n > 0 && i < n / 8; ++i) cpus += __builtin_popcountll(mask[i]);
  int workers = cpus - 1;
  return workers < 0 ? 0 : (workers > kMaxWorkers ? kMaxWorkers : workers);
}

namespace {

// A compression context in `mem` (context_bytes(lz4) bytes), or nullptr.
void* init_context(char* mem, size_t bytes, bool lz4) {
  if (lz4) return mem;  // LZ4_compress_fast_extState initialises its state at every call
  return ZSTD_initStaticCCtx(mem, bytes);
}

size_t context_bytes(bool lz4) {
  return round_page(lz4 ? static_cast<size_t>(LZ4_sizeofState()) : ZSTD_estimateCCtxSize(1));
}

}  // namespace

long CompressPool::start(int workers, bool lz4) {
  lz4_ = lz4;
  nworkers_ = workers < 0 ? 0 : (workers > kMaxWorkers ? kMaxWorkers : workers);
  nslots_ = 4 * (nworkers_ + 1);  // the writer runs ahead while the compressors catch up
  size_t zstd_cap = ZSTD_compressBound(kRawBytes);
  size_t lz4_cap = static_cast<size_t>(LZ4_compressBound(static_cast<int>(kRawBytes)));
  size_t out_cap = lz4 ? lz4_cap : zstd_cap;
  size_t cctx_bytes = context_bytes(lz4);
  size_t head = round_page(sizeof(Control) + nslots_ * sizeof(Slot) + kMaxWorkers * sizeof(Worker));
  size_t slot_bytes = kFrameBytes + kRawBytes + round_page(kFrameBytes + out_cap);
  size_ = head + nslots_ * slot_bytes + (nworkers_ + 1) * cctx_bytes +
          nworkers_ * kStackBytes;
  long p = sys::mmap(0, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
  if (p < 0 && p > -4096) return p;
  base_ = reinterpret_cast<char*>(p);
  sys::call(28 /*madvise*/, p, size_, 10 /*MADV_DONTFORK*/);
  auto* ctl = reinterpret_cast<Control*>(base_);
  slots_ = reinterpret_cast<Slot*>(base_ + sizeof(Control));
  auto* workers_arr = reinterpret_cast<Worker*>(slots_ + nslots_);
  ctl->slots = slots_;
  ctl->nslots = nslots_;
  ctl->lz4 = lz4;
  char* cur = base_ + head;
  for (int i = 0; i < nslots_; ++i) {
    char* raw = cur + kFrameBytes;
    slots_[i] = Slot{raw, raw + kRawBytes + kFrameBytes, out_cap, 0, 0, 0, kFree};
    cur += slot_bytes;
  }
  writer_cctx_ = init_context(cur, cctx_bytes, lz4);
  cur += cctx_bytes;
  for (int i = 0; i < nworkers_; ++i) {
    workers_arr[i] = Worker{ctl, init_context(cur, cctx_bytes, lz4), 0};
    cur += cctx_bytes;
    void* stack_top = cur + kStackBytes;
    cur += kStackBytes;
    long tid = ckpt_clone(kWorkerCloneFlags, stack_top, const_cast<int*>(&workers_arr[i].tid),
                          const_cast<int*>(&workers_arr[i].tid), 0, worker_main, &workers_arr[i]);
    if (tid < 0) {
      nworkers_ = i;  // the writer compresses alone with the workers it has
      break;
    }
  }
  if (writer_cctx_ == nullptr) {
    stop();
    return -22;
  }
  return 0;
}

void CompressPool::stop() {
  if (base_ == nullptr) return;
  auto* ctl = reinterpret_cast<Control*>(base_);
  auto* workers_arr = reinterpret_cast<Worker*>(slots_ + nslots_);
  store(&ctl->stop, 1);
  __atomic_add_fetch(&ctl->seq, 1, __ATOMIC_ACQ_REL);
  sys::futex(&ctl->seq, kFutexWake, kMaxWorkers);
  for (int i = 0; i < nworkers_; ++i) {
    for (int t = load(&workers_arr[i].tid); t != 0; t = load(&workers_arr[i].tid)) {
      sys::futex(&workers_arr[i].tid, FUTEX_WAIT, t);  // woken by CLONE_CHILD_CLEARTID
    }
  }
  CKPT_LOG(kDebug, "compression: {} chunks ({} stored raw) by {} workers and the writer ({} by "
           "the writer); the writer slept {} times, the workers {} times", chunks_, raw_chunks_,
           nworkers_, writer_chunks_, writer_sleeps_, load(&ctl->worker_sleeps));
  sys::munmap(reinterpret_cast<uint64_t>(base_), size_);
  base_ = nullptr;
  fill_ = write_ = inflight_ = writer_sleeps_ = writer_chunks_ = chunks_ = raw_chunks_ = 0;
}

bool CompressPool::help_one() {
  if (!claim_and_compress(*reinterpret_cast<Control*>(base_), writer_cctx_)) return false;
  ++writer_chunks_;
  return true;
}

void CompressPool::write_oldest(ChunkSink sink, void* ctx) {
  Slot& s = slots_[write_];
  for (int st = load(&s.state); st != kDone; st = load(&s.state)) {
    if (help_one() || st != kBusy) continue;  // compress while the oldest one is done
    if (spin_while(&s.state, kBusy, kWriterSpinNs)) continue;
    ++writer_sleeps_;
    sys::futex(&s.state, kFutexWait, kBusy);
  }
  const char* data = s.stored_len == s.raw_len ? s.raw : s.out;
  raw_chunks_ += s.stored_len == s.raw_len ? 1 : 0;
  sink(ctx, data - sizeof(image::CompressedChunk),
       sizeof(image::CompressedChunk) + s.stored_len, s.crc);
  store(&s.state, kFree);
  write_ = (write_ + 1) % nslots_;
  --inflight_;
}

char* CompressPool::fill_buffer(ChunkSink sink, void* ctx) {
  while (inflight_ == nslots_) write_oldest(sink, ctx);
  return slots_[fill_].raw;
}

void CompressPool::submit(size_t len) {
  Slot& s = slots_[fill_];
  s.raw_len = static_cast<uint32_t>(len);
  store(&s.state, kReady);
  fill_ = (fill_ + 1) % nslots_;
  ++inflight_;
  ++chunks_;
  auto* ctl = reinterpret_cast<Control*>(base_);
  __atomic_add_fetch(&ctl->seq, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&ctl->sleepers, __ATOMIC_SEQ_CST) > 0) sys::futex(&ctl->seq, kFutexWake, 1);
}

void CompressPool::drain(ChunkSink sink, void* ctx) {
  while (inflight_ > 0) write_oldest(sink, ctx);
}

}  // namespace ckpt
