/* tests/cr/shared/shared_mem_check.h: the check shared by the shared-memory tests. Parent
 * and child fill alternate words of a shared region before the checkpoint; after the
 * restart each sees the other's words, and a word written by one after the restart is
 * seen by the other (the region is still one memory, not two copies). */
#ifndef CT_SHARED_MEM_CHECK_H
#define CT_SHARED_MEM_CHECK_H

#include "shared_util.h"

/* Waits (up to 20 s) until *p == v. */
static inline int smc_wait_word(volatile uint64_t* p, uint64_t v) {
  for (int i = 0; i < 4000 && *p != v; ++i) ct_sleep_ms(5);
  return *p == v;
}

/* Runs the whole test on `w` (nwords words, mapped MAP_SHARED before the fork). */
static inline void smc_run(volatile uint64_t* w, int nwords) {
  for (int i = 2; i < nwords; i += 2) w[i] = 1000u + (uint64_t)i; /* parent's words */
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    for (int i = 3; i < nwords; i += 2) w[i] = 2000u + (uint64_t)i; /* child's words */
    w[1] = 1; /* child ready */
    su_wait_go();
    int ok = 1;
    for (int i = 2; i < nwords; i += 2) ok &= w[i] == 1000u + (uint64_t)i;
    ok &= smc_wait_word(&w[0], 7); /* written by the parent after go */
    w[1] = 8;                      /* seen by the parent */
    su_put("child.result", ok ? "ok" : "bad");
    _exit(0);
  }
  CT_CHECK(smc_wait_word(&w[1], 1));

  ct_checkpoint_point();

  for (int i = 3; i < nwords; i += 2) {
    if (w[i] != 2000u + (uint64_t)i) {
      ct_fail("word %d written by the child before: %llu", i, (unsigned long long)w[i]);
    }
  }
  w[0] = 7;
  if (!smc_wait_word(&w[1], 8)) ct_fail("the child's write after the restart is not visible");
  const char* res = su_wait("child.result");
  if (strcmp(res, "ok") != 0) ct_fail("child: %s", res);
}

#endif /* CT_SHARED_MEM_CHECK_H */
