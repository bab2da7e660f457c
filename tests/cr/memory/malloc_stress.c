/* tests/cr/memory/malloc_stress.c: threads hammer malloc/free (several arenas, small and
 * mmap'ed sizes) while checkpoints are taken at arbitrary moments (--async-at). Every block
 * is verified before it is freed; malloc's state must stay consistent across restarts. */
#include "ct.h"

enum { kThreads = 4, kSlots = 512 };

struct worker {
  pthread_t thread;
  unsigned id;
  uint64_t ops;
  uint64_t bad;
};

static volatile int stop;

static uint64_t next(uint64_t x) { return x * 6364136223846793005ull + 1442695040888963407ull; }

static void fill(unsigned char* p, size_t n, uint64_t tag) {
  for (size_t i = 0; i < n; i += 61) {
    p[i] = (unsigned char)(tag + i);
  }
}

static int same(const unsigned char* p, size_t n, uint64_t tag) {
  for (size_t i = 0; i < n; i += 61) {
    if (p[i] != (unsigned char)(tag + i)) {
      return 0;
    }
  }
  return 1;
}

static void* hammer(void* arg) {
  struct worker* w = arg;
  unsigned char* slot[kSlots] = {0};
  size_t size[kSlots] = {0};
  uint64_t tag[kSlots] = {0};
  uint64_t x = w->id + 1;
  while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
    x = next(x);
    unsigned s = (unsigned)(x >> 33) % kSlots;
    if (slot[s] != NULL) {
      w->bad += !same(slot[s], size[s], tag[s]);
      free(slot[s]);
    }
    size[s] = (x >> 20) % 8 == 0 ? 100000 + (x >> 40) % 300000 : 1 + (x >> 40) % 2000;
    tag[s] = x;
    slot[s] = malloc(size[s]);
    if (slot[s] == NULL) {
      ++w->bad;
      continue;
    }
    fill(slot[s], size[s], tag[s]);
    if (++w->ops % 2000 == 0) {
      ct_sleep_ms(1); /* leave CPU for the rest of the machine */
    }
  }
  for (unsigned s = 0; s < kSlots; ++s) {
    if (slot[s] != NULL) {
      w->bad += !same(slot[s], size[s], tag[s]);
      free(slot[s]);
    }
  }
  return NULL;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 3;
  struct worker workers[kThreads];
  for (unsigned i = 0; i < kThreads; ++i) {
    workers[i] = (struct worker){.id = i};
    CT_CHECK(pthread_create(&workers[i].thread, NULL, hammer, &workers[i]) == 0);
  }
  ct_sleep_ms(seconds * 1000); /* native runs: a fixed stretch of work */

  ct_checkpoint_point(); /* cr runs: until the harness's async checkpoints are done */

  __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
  for (unsigned i = 0; i < kThreads; ++i) {
    CT_CHECK(pthread_join(workers[i].thread, NULL) == 0);
    CT_CHECK(workers[i].ops > 0);
    if (workers[i].bad != 0) {
      ct_fail("thread %u: %llu corrupted blocks", i, (unsigned long long)workers[i].bad);
    }
  }
  void* p = malloc(1 << 20); /* the allocator still works */
  CT_CHECK(p != NULL);
  free(p);
  ct_pass();
}
