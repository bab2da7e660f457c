/* tests/plugin/apps/idapp.c: holds a POSIX timer id across checkpoint/restart; with the
 * idvirt plugin the id it holds keeps working after restart. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_NONE;
  timer_t t;
  CT_CHECK(timer_create(CLOCK_MONOTONIC, &sev, &t) == 0);
  struct itimerspec its = {{0, 0}, {1000, 0}};
  CT_CHECK(timer_settime(t, 0, &its, NULL) == 0);
  printf("app: timer id %lld\n", (long long)(intptr_t)t);
  fflush(stdout);
  ct_checkpoint_point();
  struct itimerspec cur;
  CT_CHECK(timer_gettime(t, &cur) == 0);
  CT_CHECK(cur.it_value.tv_sec > 900 && cur.it_value.tv_sec <= 1000);
  printf("app: timer id %lld works, %lld s left\n", (long long)(intptr_t)t,
         (long long)cur.it_value.tv_sec);
  fflush(stdout);
  CT_CHECK(timer_delete(t) == 0);
  ct_pass();
}
