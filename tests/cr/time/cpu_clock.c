/* tests/cr/time/cpu_clock.c: the process's CPU time does not go back across a restart
 * (libckpt/core/cpu_clock.h). The process burns 0.3 s of CPU in two threads, reads its CPU
 * time through getrusage(RUSAGE_SELF), times(), clock() and
 * clock_gettime(CLOCK_PROCESS_CPUTIME_ID), and after the checkpoint point reads them again:
 * none may be smaller (a restarted process is new to the kernel, whose counts start again
 * near 0: hpcc then measured a negative CPU time and left out its PTRANS "CPU" lines). */
#include <pthread.h>
#include <sys/resource.h>
#include <sys/times.h>

#include "ct.h"

enum { kBurnMs = 300, kClocks = 4 };
static const char* const kNames[kClocks] = {"getrusage", "times", "clock", "clock_gettime"};

static volatile uint64_t sink;

/* The four clocks, each in microseconds (times() in its ticks, scaled). */
static void read_clocks(int64_t out[kClocks]) {
  struct rusage ru;
  CT_CHECK(getrusage(RUSAGE_SELF, &ru) == 0);
  out[0] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ll + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
  struct tms t;
  CT_CHECK(times(&t) != (clock_t)-1);
  out[1] = (int64_t)(t.tms_utime + t.tms_stime) * 1000000ll / sysconf(_SC_CLK_TCK);
  clock_t c = clock();
  CT_CHECK(c != (clock_t)-1);
  out[2] = (int64_t)c * 1000000ll / CLOCKS_PER_SEC;
  struct timespec ts;
  CT_CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0);
  out[3] = ts.tv_sec * 1000000ll + ts.tv_nsec / 1000;
}

static void burn(unsigned ms) {
  struct timespec start;
  struct timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  uint64_t x = 88172645463325252ull;
  do {
    for (int i = 0; i < 100000; ++i) x ^= (x << 13) ^ (x >> 7) ^ (x << 17);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
  sink = x;
}

static void* burner(void* arg) {
  (void)arg;
  burn(kBurnMs / 2);
  return NULL;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pthread_t helper;
  CT_CHECK(pthread_create(&helper, NULL, burner, NULL) == 0);
  burn(kBurnMs / 2);
  CT_CHECK(pthread_join(helper, NULL) == 0);
  int64_t before[kClocks];
  read_clocks(before);
  CT_CHECK(before[0] >= kBurnMs * 900);  /* the burn counted (native: the real values) */

  ct_checkpoint_point();

  int64_t after[kClocks];
  read_clocks(after);
  for (int i = 0; i < kClocks; ++i) {
    if (after[i] < before[i]) {
      ct_fail("%s: CPU time went back from %lld us to %lld us", kNames[i],
              (long long)before[i], (long long)after[i]);
    }
  }
  burn(20);
  int64_t later[kClocks];
  read_clocks(later);
  for (int i = 0; i < kClocks; ++i) {
    if (later[i] <= after[i] && i != 1) {  /* times(): 10 ms ticks, 20 ms may not show */
      ct_fail("%s: CPU time does not advance (%lld us)", kNames[i], (long long)after[i]);
    }
  }
  ct_log("every CPU clock kept counting across the checkpoint");
  ct_pass();
}
