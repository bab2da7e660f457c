// libckpt/core/cpu_clock.cc: see cpu_clock.h. cpu_clock_capture() and
// cpu_clock_after_restart() run in the checkpoint path (raw syscalls only); the wrappers
// run in application threads.
#include "core/cpu_clock.h"

#include <stdint.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "core/next_fn.h"
#include "sys/syscall.h"

namespace ckpt {
namespace {

constexpr long kGetrusage = 98;
constexpr int64_t kNsPerUs = 1000;
constexpr int64_t kNsPerSec = 1000000000;

// Offsets added to the kernel's user and system time of the process, and the kernel's
// values at the last checkpoint. Static data: saved in the image with the rest of libckpt.
struct CpuClock {
  int64_t user_off_ns;
  int64_t sys_off_ns;
  int64_t user_at_ckpt_ns;
  int64_t sys_at_ckpt_ns;
};

CpuClock g_clock;

// The wrapped functions, looked up by cpu_clock_init() (or at first use): an allocator that
// reads a clock must not reach dlsym, which may allocate, from inside malloc.
int (*g_real_getrusage)(__rusage_who_t, struct rusage*);
clock_t (*g_real_times)(struct tms*);
int (*g_real_clock_gettime)(clockid_t, struct timespec*);

int64_t ns_of(const timeval& tv) { return tv.tv_sec * kNsPerSec + tv.tv_usec * kNsPerUs; }

timeval tv_of(int64_t ns) {
  if (ns < 0) ns = 0;
  return timeval{ns / kNsPerSec, (ns % kNsPerSec) / kNsPerUs};
}

// The kernel's user and system time of the whole process (every thread), in ns.
bool kernel_times(int64_t* user_ns, int64_t* sys_ns) {
  struct rusage ru;
  if (sys::call(kGetrusage, RUSAGE_SELF, &ru) < 0) return false;
  *user_ns = ns_of(ru.ru_utime);
  *sys_ns = ns_of(ru.ru_stime);
  return true;
}

int64_t total_off_ns() { return g_clock.user_off_ns + g_clock.sys_off_ns; }

}  // namespace

void cpu_clock_init() {
  next_fn(&g_real_getrusage, "getrusage");
  next_fn(&g_real_times, "times");
  next_fn(&g_real_clock_gettime, "clock_gettime");
}

void cpu_clock_capture() {
  if (!kernel_times(&g_clock.user_at_ckpt_ns, &g_clock.sys_at_ckpt_ns)) {
    g_clock.user_at_ckpt_ns = g_clock.sys_at_ckpt_ns = 0;
  }
}

void cpu_clock_after_restart() {
  int64_t user_now = 0;
  int64_t sys_now = 0;
  if (!kernel_times(&user_now, &sys_now)) return;
  g_clock.user_off_ns += g_clock.user_at_ckpt_ns - user_now;
  g_clock.sys_off_ns += g_clock.sys_at_ckpt_ns - sys_now;
}

}  // namespace ckpt

using ckpt::g_clock;
using ckpt::next_fn;

#define CKPT_EXPORT extern "C" __attribute__((visibility("default")))

CKPT_EXPORT int getrusage(__rusage_who_t who, struct rusage* ru) {
  int rc = next_fn(&ckpt::g_real_getrusage, "getrusage")(who, ru);
  if (rc == 0 && who == RUSAGE_SELF && ru != nullptr) {
    ru->ru_utime = ckpt::tv_of(ckpt::ns_of(ru->ru_utime) + g_clock.user_off_ns);
    ru->ru_stime = ckpt::tv_of(ckpt::ns_of(ru->ru_stime) + g_clock.sys_off_ns);
  }
  return rc;
}

// The process's times are taken from getrusage (microseconds, the same kernel values) and
// rounded down to ticks after the offset is added: rounding the kernel's ticks and the
// offset separately could give one tick less than before the checkpoint.
CKPT_EXPORT clock_t times(struct tms* buf) {
  clock_t rc = next_fn(&ckpt::g_real_times, "times")(buf);
  if (g_clock.user_off_ns == 0 && g_clock.sys_off_ns == 0) return rc;  // never restarted
  int64_t user = 0;
  int64_t sys = 0;
  if (rc != static_cast<clock_t>(-1) && buf != nullptr && ckpt::kernel_times(&user, &sys)) {
    int64_t tick_ns = ckpt::kNsPerSec / sysconf(_SC_CLK_TCK);
    user += g_clock.user_off_ns;
    sys += g_clock.sys_off_ns;
    buf->tms_utime = static_cast<clock_t>(user > 0 ? user / tick_ns : 0);
    buf->tms_stime = static_cast<clock_t>(sys > 0 ? sys / tick_ns : 0);
  }
  return rc;
}

// glibc's clock() is CLOCK_PROCESS_CPUTIME_ID in microseconds: the same, offset in ns first.
CKPT_EXPORT clock_t clock() {
  timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return static_cast<clock_t>(-1);
  int64_t ns = ts.tv_sec * ckpt::kNsPerSec + ts.tv_nsec;
  return static_cast<clock_t>(ns / (ckpt::kNsPerSec / CLOCKS_PER_SEC));
}

CKPT_EXPORT int clock_gettime(clockid_t clk, struct timespec* ts) {
  int rc = next_fn(&ckpt::g_real_clock_gettime, "clock_gettime")(clk, ts);
  if (rc == 0 && clk == CLOCK_PROCESS_CPUTIME_ID) {  // ts: declared nonnull
    int64_t ns = ts->tv_sec * ckpt::kNsPerSec + ts->tv_nsec + ckpt::total_off_ns();
    if (ns < 0) ns = 0;
    ts->tv_sec = ns / ckpt::kNsPerSec;
    ts->tv_nsec = ns % ckpt::kNsPerSec;
  }
  return rc;
}
