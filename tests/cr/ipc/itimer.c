/* tests/cr/ipc/itimer.c
 * setitimer/alarm timers are re-armed at restart: alarm()'s remaining seconds
 * (ITIMER_REAL), a periodic ITIMER_VIRTUAL that keeps firing while the process computes,
 * and a long ITIMER_PROF that keeps its remaining time. */
#include <sys/time.h>

#include "ct.h"

static volatile sig_atomic_t g_vticks;

static void on_vtalrm(int sig) {
  (void)sig;
  g_vticks++;
}

/* Burns CPU until n more SIGVTALRMs arrived (ITIMER_VIRTUAL counts user CPU time). */
static void burn_until(int n) {
  int start = g_vticks;
  uint64_t deadline = ct_now_ns() + 10000000000ull;
  volatile uint64_t x = 0;
  while (g_vticks - start < n) {
    for (int i = 0; i < 100000; ++i) x += (uint64_t)i * 7;
    if (ct_now_ns() > deadline) ct_fail("only %d SIGVTALRM in 10 s", g_vticks - start);
  }
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_vtalrm;
  sa.sa_flags = SA_RESTART;
  CT_CHECK(sigaction(SIGVTALRM, &sa, NULL) == 0);
  struct itimerval virt = {{0, 10000}, {0, 10000}};
  CT_CHECK(setitimer(ITIMER_VIRTUAL, &virt, NULL) == 0);
  struct itimerval prof = {{0, 0}, {500, 0}};
  CT_CHECK(setitimer(ITIMER_PROF, &prof, NULL) == 0);
  CT_CHECK(alarm(600) == 0);
  burn_until(3);

  ct_checkpoint_point();

  burn_until(5);
  struct itimerval cur;
  CT_CHECK(getitimer(ITIMER_VIRTUAL, &cur) == 0);
  CT_CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 10000);
  CT_CHECK(getitimer(ITIMER_PROF, &cur) == 0);
  CT_CHECK(cur.it_value.tv_sec > 400 && cur.it_value.tv_sec <= 500);
  unsigned left = alarm(0);
  CT_CHECK(left > 300 && left <= 600);
  ct_log("vticks %d alarm left %u", (int)g_vticks, left);
  ct_pass();
}
