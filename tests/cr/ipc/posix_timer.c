/* tests/cr/ipc/posix_timer.c
 * A periodic POSIX timer (SIGEV_SIGNAL with a value) keeps firing after restart under the
 * same timer_t, with the same signal value and interval; an armed one-shot timer keeps its
 * remaining time; overruns stay sane; timer_delete works on the restored ids. */
#include <stdio.h>

#include "ct.h"

static volatile sig_atomic_t g_count;
static volatile sig_atomic_t g_bad_value;

static void on_tick(int sig, siginfo_t* si, void* uc) {
  (void)sig, (void)uc;
  /* A tick pending at checkpoint time is re-raised by the core with kill() (SI_USER, no
   * value); every tick from the timer itself must carry its value. */
  if (si->si_code == SI_TIMER && si->si_value.sival_int != 42) g_bad_value = 1;
  if (si->si_code != SI_TIMER && si->si_code != SI_USER) g_bad_value = 2;
  g_count++;
}

static void wait_ticks(int n) {
  int start = g_count;
  uint64_t deadline = ct_now_ns() + 5000000000ull;
  while (g_count - start < n) {
    if (ct_now_ns() > deadline) ct_fail("only %d ticks in 5 s", g_count - start);
    ct_sleep_ms(5);
  }
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_tick;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  CT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);

  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGUSR1;
  sev.sigev_value.sival_int = 42;
  timer_t periodic, oneshot, quiet;
  CT_CHECK(timer_create(CLOCK_MONOTONIC, &sev, &periodic) == 0);
  struct itimerspec every = {{0, 20 * 1000000}, {0, 20 * 1000000}};
  CT_CHECK(timer_settime(periodic, 0, &every, NULL) == 0);
  sev.sigev_notify = SIGEV_NONE;
  CT_CHECK(timer_create(CLOCK_REALTIME, &sev, &oneshot) == 0);
  struct itimerspec later = {{0, 0}, {600, 0}};
  CT_CHECK(timer_settime(oneshot, 0, &later, NULL) == 0);
  CT_CHECK(timer_create(CLOCK_MONOTONIC, NULL, &quiet) == 0); /* default sigevent, disarmed */
  timer_t ids[3] = {periodic, oneshot, quiet};
  wait_ticks(5);

  ct_checkpoint_point();

  CT_CHECK(ids[0] == periodic && ids[1] == oneshot && ids[2] == quiet);
  wait_ticks(10);
  if (g_bad_value) ct_fail("a tick came with the wrong value or origin (%d)", (int)g_bad_value);
  int overrun = timer_getoverrun(periodic);
  CT_CHECK(overrun >= 0 && overrun < 1000);
  struct itimerspec cur;
  CT_CHECK(timer_gettime(periodic, &cur) == 0);
  CT_CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 20 * 1000000);
  CT_CHECK(timer_gettime(oneshot, &cur) == 0);
  CT_CHECK(cur.it_value.tv_sec > 300 && cur.it_value.tv_sec <= 600);
  CT_CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 0);
  CT_CHECK(timer_gettime(quiet, &cur) == 0);
  CT_CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
  CT_CHECK(timer_delete(periodic) == 0);
  CT_CHECK(timer_delete(oneshot) == 0);
  CT_CHECK(timer_delete(quiet) == 0);
  int after = g_count;
  ct_sleep_ms(100);
  CT_CHECK(g_count == after); /* really deleted */
  ct_log("ticks %d", (int)g_count);
  ct_pass();
}
