// libckpt/core/thread_state.cc: see thread_state.h. Checkpoint path: yes.
#include "core/thread_state.h"

#include <asm/prctl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>

#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

// glibc >= 2.35 publishes where it keeps the rseq area (public ABI, not a private layout).
extern "C" {
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));
}

namespace ckpt {

namespace {
constexpr uint32_t kRseqSig = 0x53053053;  // glibc's RSEQ_SIG on x86
constexpr uint32_t kRseqOrigLen = 32;      // the length glibc registers
constexpr int kTidScanBytes = 1024;

struct KernelStack {
  uint64_t sp;
  int flags;
  int pad;
  uint64_t size;
};
}  // namespace

uint64_t current_fs_base() {
  uint64_t fs = 0;
  sys::arch_prctl(ARCH_GET_FS, reinterpret_cast<uint64_t>(&fs));
  return fs;
}

void capture_thread_state(ThreadSlot& slot) {
  slot.fs_base = current_fs_base();
  uint64_t head = 0, len = 0;
  sys::call(sys::kGetRobustList, 0, &head, &len);
  slot.robust_head = head;
  slot.robust_len = len;
  KernelStack ss{};
  sys::call(sys::kSigaltstack, nullptr, &ss);
  slot.altstack_sp = ss.sp;
  slot.altstack_size = ss.size;
  slot.altstack_flags = ss.flags;
  slot.rseq_addr = 0;
  if (&__rseq_size != nullptr && __rseq_size > 0) {
    slot.rseq_addr = slot.fs_base + static_cast<uint64_t>(__rseq_offset);
    slot.rseq_len = kRseqOrigLen;
  }
  sys::prctl(PR_GET_NAME, reinterpret_cast<long>(slot.name));
  uint64_t pending = 0;
  sys::call(sys::kRtSigpending, &pending, 8);
  slot.sigpending = pending;
}

void restore_thread_state(ThreadSlot& slot) {
  if (slot.robust_head != 0) {
    sys::call(sys::kSetRobustList, slot.robust_head, slot.robust_len);
  }
  if (slot.rseq_addr != 0) {
    // rseq_cs must be clear; cpu_id fields are rewritten by the kernel on registration.
    *reinterpret_cast<volatile uint64_t*>(slot.rseq_addr + 8) = 0;
    long r = sys::call(sys::kRseq, slot.rseq_addr, slot.rseq_len, 0, kRseqSig);
    if (r < 0 && &__rseq_size != nullptr) {
      r = sys::call(sys::kRseq, slot.rseq_addr, __rseq_size, 0, kRseqSig);
    }
    CKPT_ASSERT(r == 0, "rseq re-registration failed: {} (addr {})", r, slot.rseq_addr);
  }
  KernelStack ss{slot.altstack_sp, slot.altstack_flags & SS_DISABLE, 0, slot.altstack_size};
  if (!(ss.flags & SS_DISABLE)) {
    sys::call(sys::kSigaltstack, &ss, nullptr);
  }
  sys::prctl(PR_SET_NAME, reinterpret_cast<long>(slot.name));
}

void tid_offset_candidates(uint64_t* bitmap) {
  const auto* p = reinterpret_cast<const int32_t*>(current_fs_base());
  int32_t tid = static_cast<int32_t>(sys::gettid());
  for (int i = 0; i < kTidScanBytes / 4; ++i) {
    if (p != nullptr && p[i] == tid) {
      bitmap[i / 64] |= 1ull << (i % 64);
    }
  }
}

int pick_tid_offset(const uint64_t* a, const uint64_t* b) {
  for (int i = 0; i < kTidScanBytes / 4; ++i) {
    if ((a[i / 64] & b[i / 64]) & (1ull << (i % 64))) {
      return i * 4;
    }
  }
  return -1;
}

}  // namespace ckpt
