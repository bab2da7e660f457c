// libckpt/core/process_state.cc: see process_state.h. Checkpoint path: yes.
#include "core/process_state.h"

#include <linux/prctl.h>
#include <sys/prctl.h>

#include "core/cpu_clock.h"
#include "core/fd_table.h"
#include "core/proc_maps.h"
#include "core/runtime.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

bool is_uncatchable(int sig) { return sig == 9 || sig == 19; }

// /proc/self/stat fields 26.. are counted after the ")" that ends the command name.
void capture_mm(MmFields& mm) {
  char buf[2048];
  long n = read_proc_file("/proc/self/stat", buf, sizeof buf);
  const char* p = buf;
  for (long i = n - 1; i >= 0; --i) {
    if (buf[i] == ')') {
      p = buf + i + 2;  // at field 3
      break;
    }
  }
  uint64_t field[64] = {};
  for (int f = 3; f < 64 && *p != '\0'; ++f) {
    field[f] = sys::parse_u64(*p == '-' ? p + 1 : p, nullptr, 10);
    while (*p != '\0' && *p != ' ') ++p;
    while (*p == ' ') ++p;
  }
  mm.start_code = field[26], mm.end_code = field[27], mm.start_stack = field[28];
  mm.start_data = field[45], mm.end_data = field[46], mm.start_brk = field[47];
  mm.arg_start = field[48], mm.arg_end = field[49];
  mm.env_start = field[50], mm.env_end = field[51];
  mm.brk = static_cast<uint64_t>(sys::call(sys::kBrk, 0));
  long a = read_proc_file("/proc/self/auxv", reinterpret_cast<char*>(mm.auxv), sizeof mm.auxv);
  mm.auxv_size = a > 0 ? static_cast<uint32_t>(a) & ~15u : 0;
}

struct PrctlMmMap {  // struct prctl_mm_map from linux/prctl.h
  uint64_t start_code, end_code, start_data, end_data, start_brk, brk, start_stack;
  uint64_t arg_start, arg_end, env_start, env_end;
  uint64_t* auxv;
  uint32_t auxv_size;
  uint32_t exe_fd;
};

void restore_mm(MmFields& mm) {
  PrctlMmMap m{mm.start_code, mm.end_code, mm.start_data, mm.end_data, mm.start_brk, mm.brk,
               mm.start_stack, mm.arg_start, mm.arg_end, mm.env_start, mm.env_end,
               mm.auxv, mm.auxv_size, 0xffffffffu};
  long r = sys::prctl(PR_SET_MM, PR_SET_MM_MAP, reinterpret_cast<long>(&m), sizeof m, 0);
  if (r < 0) {
    CKPT_LOG(kWarn, "PR_SET_MM_MAP failed ({}): brk {} start_brk {} auxv {} bytes", r, mm.brk,
             mm.start_brk, mm.auxv_size);
  }
}

}  // namespace

void capture_process_state() {
  ProcessState& p = rt().proc;
  for (int sig = 1; sig < kNumSignals; ++sig) {
    if (!is_uncatchable(sig)) {
      sys::call(sys::kRtSigaction, sig, nullptr, &p.actions[sig], 8);
    }
  }
  for (int res = 0; res < kNumRlimits; ++res) {
    sys::call(sys::kPrlimit64, 0, res, nullptr, p.rlimits[res]);
  }
  p.umask = static_cast<uint32_t>(sys::call(sys::kUmask, 022));
  sys::call(sys::kUmask, p.umask);
  p.personality = static_cast<uint32_t>(sys::call(sys::kPersonality, 0xffffffffl));
  long n = sys::call(sys::kGetcwd, p.cwd, sizeof p.cwd);
  if (n < 0) {
    p.cwd[0] = '\0';
  }
  uint64_t pending = 0;
  sys::call(sys::kRtSigpending, &pending, 8);
  p.shared_pending = pending;
  capture_mm(p.mm);
  capture_fds();
  cpu_clock_capture();
}

void restore_process_state() {
  ProcessState& p = rt().proc;
  close_fds_from(3);       // whatever the loader inherited from `ckpt restart`
  if (rt().log_fd >= 0) {  // the log first, so that fd restoration can report
    sys::dup3(2, rt().log_fd, 02000000 /*O_CLOEXEC*/);
    log::state().fd = rt().log_fd;
  }
  restore_fds();
  if (rt().log_fd >= 0) {  // and again onto the restored stderr, where it was before
    sys::dup3(2, rt().log_fd, 02000000 /*O_CLOEXEC*/);
  }
  for (int sig = 1; sig < kNumSignals; ++sig) {
    if (!is_uncatchable(sig)) {
      sys::call(sys::kRtSigaction, sig, &p.actions[sig], nullptr, 8);
    }
  }
  for (int res = 0; res < kNumRlimits; ++res) {
    sys::call(sys::kPrlimit64, 0, res, p.rlimits[res], nullptr);
  }
  sys::call(sys::kUmask, p.umask);
  sys::call(sys::kPersonality, static_cast<long>(p.personality));
  if (p.cwd[0] == '/' && sys::call(sys::kChdir, p.cwd) < 0) {
    CKPT_LOG(kWarn, "cannot return to working directory {}", p.cwd);
  }
  restore_mm(p.mm);
}

}  // namespace ckpt
