/* tests/cr/time/vdso.c: clock_gettime (through the vDSO), gettimeofday and time work after
 * restart, stay monotonic, and agree with the real system calls (a stale or missing
 * [vvar] would make the vDSO return frozen or garbage times). */
#include "ct.h"

#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>

static int64_t ns(struct timespec ts) { return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec; }

static int64_t sys_clock(clockid_t id) {
  struct timespec ts;
  CT_CHECK(syscall(SYS_clock_gettime, id, &ts) == 0);
  return ns(ts);
}

static int64_t vdso_clock(clockid_t id) {
  struct timespec ts;
  CT_CHECK(clock_gettime(id, &ts) == 0);
  return ns(ts);
}

static void check_agreement(void) {
  const clockid_t ids[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME,
                           CLOCK_MONOTONIC_COARSE};
  for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; ++i) {
    int64_t a = sys_clock(ids[i]), b = vdso_clock(ids[i]), c = sys_clock(ids[i]);
    if (b < a - 20000000 || b > c + 20000000) { /* coarse clocks lag up to a tick */
      ct_fail("clock %d: vdso %lld outside [%lld, %lld]", (int)ids[i], (long long)b,
              (long long)a, (long long)c);
    }
  }
  struct timeval tv;
  CT_CHECK(gettimeofday(&tv, NULL) == 0);
  int64_t real = sys_clock(CLOCK_REALTIME) / 1000000000;
  CT_CHECK(tv.tv_sec >= real - 1 && tv.tv_sec <= real + 1);
  CT_CHECK(time(NULL) >= real - 1 && time(NULL) <= real + 1);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  CT_CHECK(getauxval(AT_SYSINFO_EHDR) != 0);
  check_agreement();
  int64_t mono_before = vdso_clock(CLOCK_MONOTONIC);
  int64_t real_before = vdso_clock(CLOCK_REALTIME);

  ct_checkpoint_point();

  int64_t mono_after = vdso_clock(CLOCK_MONOTONIC);
  CT_CHECK(mono_after >= mono_before);
  CT_CHECK(vdso_clock(CLOCK_REALTIME) >= real_before);
  check_agreement();
  int64_t last = mono_after;
  for (int i = 0; i < 200000; ++i) {
    int64_t now = vdso_clock(CLOCK_MONOTONIC);
    CT_CHECK(now >= last);
    last = now;
  }
  ct_sleep_ms(30); /* time advances */
  CT_CHECK(vdso_clock(CLOCK_MONOTONIC) - last >= 30000000);
  ct_pass();
}
