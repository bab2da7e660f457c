/* tests/cr/thread/rseq.c: glibc's rseq registration is back after restart in every thread:
 * __rseq_size > 0, the kernel updates cpu_id in the thread's rseq area (checked by pinning
 * to each CPU), sched_getcpu() agrees, and registering again fails with EBUSY as it does
 * for a registered thread. */
#include "ct.h"

#include <sched.h>
#include <sys/rseq.h>
#include <sys/syscall.h>

static volatile int go;
static int thread_ok = -1;

static struct rseq* area(void) {
  return (struct rseq*)((char*)__builtin_thread_pointer() + __rseq_offset);
}

static int check_thread(void) {
  if (__rseq_size == 0) {
    return 0;
  }
  /* glibc registers sizeof(struct rseq) (32), not __rseq_size (the feature size, 20) */
  long r = syscall(SYS_rseq, area(), sizeof(struct rseq), 0, RSEQ_SIG);
  if (r != -1 || errno != EBUSY) {
    ct_log("re-registering rseq gave %ld errno %d: the thread was not registered", r, errno);
    return 0;
  }
  for (int cpu = 0; cpu < CPU_SETSIZE && cpu < 64; ++cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
      continue; /* not an allowed CPU */
    }
    int got = (int)__atomic_load_n(&area()->cpu_id, __ATOMIC_RELAXED);
    if (got != cpu || sched_getcpu() != cpu) {
      ct_log("pinned to cpu %d: rseq cpu_id %d, sched_getcpu %d", cpu, got, sched_getcpu());
      return 0;
    }
  }
  return 1;
}

static void* worker(void* arg) {
  (void)arg;
  while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST)) {
    ct_sleep_ms(10);
  }
  thread_ok = check_thread();
  return NULL;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  cpu_set_t all;
  CT_CHECK(sched_getaffinity(0, sizeof all, &all) == 0);
  CT_CHECK(__rseq_size > 0);
  CT_CHECK(check_thread());
  CT_CHECK(sched_setaffinity(0, sizeof all, &all) == 0);
  pthread_t thread;
  CT_CHECK(pthread_create(&thread, NULL, worker, NULL) == 0);

  ct_checkpoint_point();

  CT_CHECK(__rseq_size > 0);
  CT_CHECK(check_thread());
  __atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
  CT_CHECK(pthread_join(thread, NULL) == 0);
  CT_CHECK(thread_ok == 1);
  ct_pass();
}
