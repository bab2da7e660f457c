/* tests/plugin/plugins/idvirt.c: id virtualization (seed section 3.2.4) with the id
 * translation table of ckpt/plugin.h, on POSIX timers. The application only ever sees
 * virtual timer ids; the kernel's ids change at restart (the kernel forgets timers, so the
 * plugin re-creates them, after a dummy timer so that the new real id surely differs), and
 * the table maps the old virtual ids to the new real ones.
 * Wrapped: timer_create, timer_settime, timer_gettime, timer_delete. */
#define _GNU_SOURCE 1
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "dmtcp.h"

#define MAX_TIMERS 16
CKPT_ID_TABLE(timers, MAX_TIMERS, 1000);

struct saved { int64_t virt; clockid_t clock; struct itimerspec value; int used; };
static struct saved saved[MAX_TIMERS];

static timer_t as_timer(int64_t v) { return (timer_t)(intptr_t)v; }
static int64_t as_id(timer_t t) { return (int64_t)(intptr_t)t; }

int timer_create(clockid_t clock, struct sigevent *sev, timer_t *out)
{
  timer_t real;
  int rc = NEXT_FNC(timer_create)(clock, sev, &real);
  if (rc != 0) return rc;
  int64_t v = ckpt_id_virtualize(&timers, as_id(real));
  for (int i = 0; i < MAX_TIMERS; ++i) {
    if (!saved[i].used) { saved[i].used = 1; saved[i].virt = v; saved[i].clock = clock; break; }
  }
  *out = as_timer(v);
  return 0;
}

int timer_settime(timer_t t, int flags, const struct itimerspec *nv, struct itimerspec *old)
{
  return NEXT_FNC(timer_settime)(as_timer(ckpt_id_to_real(&timers, as_id(t))), flags, nv, old);
}

int timer_gettime(timer_t t, struct itimerspec *cur)
{
  return NEXT_FNC(timer_gettime)(as_timer(ckpt_id_to_real(&timers, as_id(t))), cur);
}

int timer_delete(timer_t t)
{
  int64_t v = as_id(t);
  int rc = NEXT_FNC(timer_delete)(as_timer(ckpt_id_to_real(&timers, v)));
  ckpt_id_remove(&timers, v);
  for (int i = 0; i < MAX_TIMERS; ++i) if (saved[i].used && saved[i].virt == v) saved[i].used = 0;
  return rc;
}

static void recreate(void)
{
  struct sigevent none;
  memset(&none, 0, sizeof none);
  none.sigev_notify = SIGEV_NONE;
  timer_t dummy;
  NEXT_FNC(timer_create)(CLOCK_MONOTONIC, &none, &dummy);
  for (int i = 0; i < MAX_TIMERS; ++i) {
    if (!saved[i].used) continue;
    timer_t real;
    int64_t old = ckpt_id_to_real(&timers, saved[i].virt);
    if (NEXT_FNC(timer_create)(saved[i].clock, &none, &real) != 0) continue;
    ckpt_id_set(&timers, saved[i].virt, as_id(real));
    NEXT_FNC(timer_settime)(real, 0, &saved[i].value, NULL);
    printf("idvirt: timer %lld: real id %lld -> %lld\n", (long long)saved[i].virt,
           (long long)old, (long long)as_id(real));
  }
  fflush(stdout);
}

void dmtcp_event_hook(DmtcpEvent_t event, DmtcpEventData_t *data)
{
  if (event == DMTCP_EVENT_WRITE_CKPT) {
    for (int i = 0; i < MAX_TIMERS; ++i) {
      if (saved[i].used) {
        NEXT_FNC(timer_gettime)(as_timer(ckpt_id_to_real(&timers, saved[i].virt)),
                                &saved[i].value);
      }
    }
  }
  DMTCP_NEXT_EVENT_HOOK(event, data);
  if (event == DMTCP_EVENT_RESTART) recreate();
}
