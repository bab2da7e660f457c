/* tests/cr/ipc/timer_thread.c
 * POSIX timers with SIGEV_THREAD notification (the callback runs in a new thread on each
 * expiry, as glibc does it) survive checkpoints and restarts: a periodic timer keeps calling
 * its function with its sigval, never in the main thread; a one-shot timer armed before the
 * checkpoint fires once afterwards; timer_gettime, timer_settime and timer_delete work on the
 * restored ids, and a deleted timer calls nothing more. */
#include "ct.h"

#include <pthread.h>
#include <sys/syscall.h>

static long g_ticks;
static long g_one_shot;
static volatile int g_bad;
static pid_t g_main_tid;

static void on_tick(union sigval v) {
  if (v.sival_ptr != &g_ticks) g_bad = 1;
  if ((pid_t)syscall(SYS_gettid) == g_main_tid) g_bad = 2;
  __atomic_add_fetch(&g_ticks, 1, __ATOMIC_RELAXED);
}

static void on_one_shot(union sigval v) {
  if (v.sival_int != 7) g_bad = 3;
  __atomic_add_fetch(&g_one_shot, 1, __ATOMIC_RELAXED);
}

static long ticks(void) { return __atomic_load_n(&g_ticks, __ATOMIC_RELAXED); }

static timer_t make_timer(void (*fn)(union sigval), union sigval value) {
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_THREAD;
  sev.sigev_notify_function = fn;
  sev.sigev_value = value;
  timer_t t;
  CT_CHECK(timer_create(CLOCK_MONOTONIC, &sev, &t) == 0);
  return t;
}

static void arm(timer_t t, long value_ms, long interval_ms) {
  struct itimerspec its = {{interval_ms / 1000, interval_ms % 1000 * 1000000},
                           {value_ms / 1000, value_ms % 1000 * 1000000}};
  CT_CHECK(timer_settime(t, 0, &its, NULL) == 0);
}

static void wait_ticks(long n) {
  long start = ticks();
  uint64_t deadline = ct_now_ns() + 5000000000ull;
  while (ticks() - start < n) {
    if (ct_now_ns() > deadline) ct_fail("only %ld callbacks in 5 s", ticks() - start);
    ct_sleep_ms(5);
  }
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  g_main_tid = (pid_t)syscall(SYS_gettid);
  timer_t periodic = make_timer(on_tick, (union sigval){.sival_ptr = &g_ticks});
  timer_t once = make_timer(on_one_shot, (union sigval){.sival_int = 7});
  arm(periodic, 10, 10);
  arm(once, 1500, 0);
  wait_ticks(5);

  ct_checkpoint_point();

  wait_ticks(20); /* still firing, through the restored id */
  struct itimerspec cur;
  CT_CHECK(timer_gettime(periodic, &cur) == 0);
  if (cur.it_interval.tv_sec != 0 || cur.it_interval.tv_nsec != 10000000) {
    ct_fail("interval after restart: %ld.%09ld", (long)cur.it_interval.tv_sec,
            cur.it_interval.tv_nsec);
  }
  uint64_t deadline = ct_now_ns() + 5000000000ull;
  while (__atomic_load_n(&g_one_shot, __ATOMIC_RELAXED) == 0 && ct_now_ns() < deadline) {
    ct_sleep_ms(10);
  }
  ct_sleep_ms(100);
  if (g_one_shot != 1) ct_fail("the one-shot timer fired %ld times", g_one_shot);
  arm(periodic, 5, 5); /* re-armed faster through the restored id */
  wait_ticks(10);
  CT_CHECK(timer_delete(periodic) == 0);
  CT_CHECK(timer_delete(once) == 0);
  ct_sleep_ms(50); /* a callback already started may still finish */
  long after_delete = ticks();
  ct_sleep_ms(100);
  if (ticks() != after_delete) ct_fail("callbacks after timer_delete");
  if (g_bad) ct_fail("bad callback (%d): wrong value or run in the main thread", g_bad);
  ct_log("%ld callbacks", ticks());
  ct_pass();
}
