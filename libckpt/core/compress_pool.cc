// libckpt/core/compress_pool.cc: see compress_pool.h. Checkpoint path: yes.
//
// Slots form a ring: the writer fills slot `fill_`, marks it kReady and moves on; a
// compressor (a worker, or the writer while it waits) claims a kReady slot with a CAS,
// compresses it and marks it kDone; the writer hands slot `write_` to the sink once it is
// kDone and marks it kFree. Workers sleep on a futex word bumped at every submit and at stop.
#define ZSTD_STATIC_LINKING_ONLY
#include "core/compress_pool.h"

#include <linux/futex.h>
#include <lz4.h>
#include <sched.h>
#include <sys/mman.h>
#include <zstd.h>

#include "core/context.h"
#include "image/image_format.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

enum SlotState : int { kFree = 0, kReady = 1, kBusy = 2, kDone = 3 };

constexpr size_t kStackBytes = 256 * 1024;
constexpr size_t kRawBytes = image::kCompressChunkBytes;
constexpr int kFutexWait = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
constexpr int kFutexWake = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
constexpr unsigned long kWorkerCloneFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
                                            CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
                                            CLONE_CHILD_CLEARTID;

size_t round_page(size_t n) { return (n + 4095) & ~size_t{4095}; }

int load(const volatile int* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void store(volatile int* p, int v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

}  // namespace

struct CompressPool::Slot {
  char* raw;
  char* out;
  size_t out_cap;
  uint32_t raw_len;
  uint32_t stored_len;
  volatile int state;
};

namespace {

struct Control {
  volatile int seq;   // bumped at every submit and at stop (futex word of idle workers)
  volatile int stop;
  bool lz4;           // the contexts are lz4 states (LZ4_sizeofState), not ZSTD_CCtx
  CompressPool::Slot* slots;
  int nslots;
};

struct Worker {
  Control* ctl;
  void* cctx;
  volatile int tid;   // cleared by the kernel when the thread exits (CLONE_CHILD_CLEARTID)
};

void compress_slot(CompressPool::Slot& s, void* cctx, bool lz4) {
  if (lz4) {
    int c = LZ4_compress_fast_extState(cctx, s.raw, s.out, static_cast<int>(s.raw_len),
                                       static_cast<int>(s.out_cap), 1);
    s.stored_len = (c <= 0 || static_cast<uint32_t>(c) >= s.raw_len) ? s.raw_len
                                                                      : static_cast<uint32_t>(c);
  } else {
    size_t c = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(cctx), s.out, s.out_cap, s.raw,
                                 s.raw_len, 1);
    s.stored_len = (ZSTD_isError(c) || c >= s.raw_len) ? s.raw_len : static_cast<uint32_t>(c);
  }
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
    sys::futex(&c.seq, kFutexWait, seen);
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
  nslots_ = 2 * (nworkers_ + 1);
  size_t zstd_cap = ZSTD_compressBound(kRawBytes);
  size_t lz4_cap = static_cast<size_t>(LZ4_compressBound(static_cast<int>(kRawBytes)));
  size_t out_cap = lz4 ? lz4_cap : zstd_cap;
  size_t cctx_bytes = context_bytes(lz4);
  size_t head = round_page(sizeof(Control) + nslots_ * sizeof(Slot) + kMaxWorkers * sizeof(Worker));
  size_ = head + nslots_ * (kRawBytes + round_page(out_cap)) + (nworkers_ + 1) * cctx_bytes +
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
    slots_[i] = Slot{cur, cur + kRawBytes, out_cap, 0, 0, kFree};
    cur += kRawBytes + round_page(out_cap);
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
  sys::munmap(reinterpret_cast<uint64_t>(base_), size_);
  base_ = nullptr;
  fill_ = write_ = inflight_ = 0;
}

bool CompressPool::help_one() {
  return claim_and_compress(*reinterpret_cast<Control*>(base_), writer_cctx_);
}

void CompressPool::write_oldest(ChunkSink sink, void* ctx) {
  Slot& s = slots_[write_];
  for (int st = load(&s.state); st != kDone; st = load(&s.state)) {
    if (st == kBusy && !help_one()) sys::futex(&s.state, kFutexWait, kBusy);
    if (st == kReady) help_one();
  }
  sink(ctx, s.stored_len == s.raw_len ? s.raw : s.out, s.raw_len, s.stored_len);
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
  auto* ctl = reinterpret_cast<Control*>(base_);
  __atomic_add_fetch(&ctl->seq, 1, __ATOMIC_ACQ_REL);
  sys::futex(&ctl->seq, kFutexWake, 1);
}

void CompressPool::drain(ChunkSink sink, void* ctx) {
  while (inflight_ > 0) write_oldest(sink, ctx);
}

}  // namespace ckpt
