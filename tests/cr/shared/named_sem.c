/* tests/cr/shared/named_sem.c: named POSIX semaphores (sem_open; their files stay in
 * /dev/shm) shared by the parent and two forked children. Before the checkpoint all three
 * post "count"; the children then block in sem_wait on "gate" through every cycle. After
 * the restart the count is exact, the parent's posts on "gate" wake both children, and
 * their new posts on "count" reach the parent: the semaphores are still shared. */
#include "shared_util.h"

#include <semaphore.h>
#include <stdio.h>

enum { kKids = 2, kBefore = 50, kAfter = 30 };

static char count_name[64], gate_name[64];

/* Also when a check fails (ct_fail exits); the children leave with _exit. */
static void remove_semaphores(void) {
  sem_unlink(count_name);
  sem_unlink(gate_name);
}

static void child(sem_t* count, sem_t* gate, int me) {
  char name[32];
  for (int i = 0; i < kBefore; ++i) CT_CHECK(sem_post(count) == 0);
  snprintf(name, sizeof name, "child%d.ready", me);
  su_put(name, "ready");
  while (sem_wait(gate) != 0) CT_CHECK(errno == EINTR); /* blocked across the restarts */
  for (int i = 0; i < kAfter; ++i) CT_CHECK(sem_post(count) == 0);
  snprintf(name, sizeof name, "child%d.done", me);
  su_put(name, "done");
  _exit(0);
}

static int value_of(sem_t* s) {
  int v = -1;
  CT_CHECK(sem_getvalue(s, &v) == 0);
  return v;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  snprintf(count_name, sizeof count_name, "/ckpt-test-nsem-count-%d", (int)getpid());
  snprintf(gate_name, sizeof gate_name, "/ckpt-test-nsem-gate-%d", (int)getpid());
  atexit(remove_semaphores);
  sem_t* count = sem_open(count_name, O_CREAT | O_EXCL, 0600, 0);
  sem_t* gate = sem_open(gate_name, O_CREAT | O_EXCL, 0600, 0);
  CT_CHECK(count != SEM_FAILED && gate != SEM_FAILED);
  for (int k = 1; k <= kKids; ++k) {
    pid_t pid = fork();
    CT_CHECK(pid >= 0);
    if (pid == 0) child(count, gate, k);
  }
  for (int i = 0; i < kBefore; ++i) CT_CHECK(sem_post(count) == 0);
  su_wait("child1.ready");
  su_wait("child2.ready");

  ct_checkpoint_point();

  int v = value_of(count);
  if (v != (kKids + 1) * kBefore) ct_fail("count %d after the restart, posted %d", v,
                                          (kKids + 1) * kBefore);
  for (int k = 0; k < kKids; ++k) CT_CHECK(sem_post(gate) == 0);
  su_wait("child1.done");
  su_wait("child2.done");
  v = value_of(count);
  int want = (kKids + 1) * kBefore + kKids * kAfter;
  if (v != want) ct_fail("count %d, posted %d: the children's posts were not seen", v, want);
  for (int i = 0; i < want; ++i) CT_CHECK(sem_trywait(count) == 0);
  CT_CHECK(sem_trywait(count) != 0 && errno == EAGAIN);
  if (value_of(gate) != 0) ct_fail("gate %d: a child did not take its post", value_of(gate));
  ct_pass();
}
