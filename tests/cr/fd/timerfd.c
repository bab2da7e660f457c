/* tests/cr/fd/timerfd.c: a periodic timerfd keeps its clock and interval and keeps firing
 * after a restart; a disarmed one stays disarmed; a one-shot far in the future keeps its
 * remaining time (not more than before). */
#include "ct.h"

#include <sys/timerfd.h>

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int periodic = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  int idle = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  int oneshot = timerfd_create(CLOCK_BOOTTIME, 0);
  CT_CHECK(periodic >= 0 && idle >= 0 && oneshot >= 0);
  struct itimerspec its = {{0, 20 * 1000 * 1000}, {0, 20 * 1000 * 1000}};
  CT_CHECK(timerfd_settime(periodic, 0, &its, NULL) == 0);
  struct itimerspec far = {{0, 0}, {3600, 0}};
  CT_CHECK(timerfd_settime(oneshot, 0, &far, NULL) == 0);
  uint64_t n;
  CT_CHECK(read(periodic, &n, 8) == 8 && n >= 1);

  ct_checkpoint_point();

  uint64_t total = 0;
  for (int i = 0; i < 5; ++i) {
    CT_CHECK(read(periodic, &n, 8) == 8 && n >= 1);
    total += n;
  }
  CT_CHECK(total >= 5);
  struct itimerspec cur;
  CT_CHECK(timerfd_gettime(periodic, &cur) == 0);
  CT_CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 20 * 1000 * 1000);
  CT_CHECK(timerfd_gettime(idle, &cur) == 0 && cur.it_value.tv_sec == 0 &&
           cur.it_value.tv_nsec == 0);
  CT_CHECK(read(idle, &n, 8) == -1 && errno == EAGAIN);
  CT_CHECK(timerfd_gettime(oneshot, &cur) == 0);
  CT_CHECK(cur.it_value.tv_sec > 3000 && cur.it_value.tv_sec < 3600);
  CT_CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 0);
  ct_pass();
}
