/* tests/cr/shared/unlinked_shm.c: a /dev/shm file mapped MAP_SHARED and unlinked at once
 * (what sem_open and Python's multiprocessing do), shared by the parent and two forked
 * children. All three add to one counter under a process-shared sem_t in that memory while
 * checkpoints are taken; each also counts its own additions privately. After the restart
 * the counter is exact (no update lost: the lock and the memory are still shared), every
 * process's slot equals its private count, and a write by one is seen by the others. */
#include "shared_util.h"

#include <semaphore.h>
#include <stdio.h>

enum { kKids = 2, kBefore = 200 };

struct Shared {
  sem_t lock;
  volatile uint64_t counter;       /* the sum of all additions */
  volatile uint64_t slot[kKids + 1]; /* additions by process i (0: parent) */
  volatile uint64_t stop;          /* parent -> children, after the restart */
  volatile uint64_t ready[kKids + 1];
};

static void add_one(struct Shared* s, int me, uint64_t* mine) {
  while (sem_wait(&s->lock) != 0) CT_CHECK(errno == EINTR);
  uint64_t v = s->counter;
  sched_yield(); /* widen the window: an unshared lock loses updates */
  s->counter = v + 1;
  s->slot[me]++;
  ++*mine;
  CT_CHECK(sem_post(&s->lock) == 0);
}

/* A child adds until the parent says stop (60 s at most), then reports its count. */
static void child(struct Shared* s, int me) {
  uint64_t mine = 0;
  for (int i = 0; i < kBefore; ++i) add_one(s, me, &mine);
  s->ready[me] = 1;
  for (int i = 0; i < 60000 && !s->stop; ++i) {
    add_one(s, me, &mine);
    ct_sleep_ms(1);
  }
  char name[32], text[64];
  snprintf(name, sizeof name, "child%d.count", me);
  snprintf(text, sizeof text, "%s %llu", s->stop ? "stopped" : "no-stop-seen",
           (unsigned long long)mine);
  su_put(name, text);
  _exit(0);
}

static void wait_ready(struct Shared* s, int who) {
  for (int i = 0; i < 4000 && !s->ready[who]; ++i) ct_sleep_ms(5);
  if (!s->ready[who]) ct_fail("child %d never ready", who);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char path[64];
  snprintf(path, sizeof path, "/dev/shm/ckpt-test-ushm-%d", (int)getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  CT_CHECK(unlink(path) == 0);
  CT_CHECK(ftruncate(fd, 4096) == 0);
  struct Shared* s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CT_CHECK(s != MAP_FAILED);
  close(fd);
  CT_CHECK(sem_init(&s->lock, 1, 1) == 0);
  for (int k = 1; k <= kKids; ++k) {
    pid_t pid = fork();
    CT_CHECK(pid >= 0);
    if (pid == 0) child(s, k);
  }
  uint64_t mine = 0;
  for (int i = 0; i < kBefore; ++i) add_one(s, 0, &mine);
  for (int k = 1; k <= kKids; ++k) wait_ready(s, k);

  ct_checkpoint_point(); /* the children keep adding through every cycle */

  for (int i = 0; i < kBefore; ++i) add_one(s, 0, &mine);
  s->stop = 1;
  uint64_t sum = mine;
  for (int k = 1; k <= kKids; ++k) {
    char name[32], state[32];
    unsigned long long n = 0;
    snprintf(name, sizeof name, "child%d.count", k);
    const char* res = su_wait(name);
    CT_CHECK(sscanf(res, "%31s %llu", state, &n) == 2);
    if (strcmp(state, "stopped") != 0) ct_fail("child %d did not see the stop flag", k);
    if (s->slot[k] != n) ct_fail("child %d added %llu, its slot shows %llu", k, n,
                                 (unsigned long long)s->slot[k]);
    sum += n;
  }
  if (s->slot[0] != mine) ct_fail("parent slot %llu, added %llu",
                                  (unsigned long long)s->slot[0], (unsigned long long)mine);
  if (s->counter != sum) ct_fail("counter %llu, additions %llu (updates lost)",
                                 (unsigned long long)s->counter, (unsigned long long)sum);
  ct_log("counter %llu exact", (unsigned long long)sum);
  ct_pass();
}
