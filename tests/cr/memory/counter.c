/* tests/cr/memory/counter.c: a single-threaded computation keeps its state and its
 * deterministic output across checkpoints taken at arbitrary moments (--async-at).
 * At the end the carried state is compared with a fresh recomputation. */
#include "ct.h"

enum { kTable = 4096, kInner = 20000 };

static uint64_t table[kTable];
static uint64_t check_table[kTable];

static uint64_t next(uint64_t x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

static uint64_t run_step(uint64_t x, uint64_t* t) {
  for (int j = 0; j < kInner; ++j) {
    x = next(x);
    t[x & (kTable - 1)] += x >> 7;
  }
  return x;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int steps = argc > 1 ? atoi(argv[1]) : 80;
  const uint64_t seed = 88172645463325252ull;
  uint64_t x = seed;
  uint64_t stack_sum = 0;
  for (int i = 0; i < steps; ++i) {
    x = run_step(x, table);
    stack_sum += x % 1000003u;
    ct_log("step %d x=%016llx sum=%llu", i, (unsigned long long)x,
           (unsigned long long)stack_sum);
    ct_sleep_ms(50);
  }

  ct_checkpoint_point();

  uint64_t y = seed;
  uint64_t sum = 0;
  for (int i = 0; i < steps; ++i) {
    y = run_step(y, check_table);
    sum += y % 1000003u;
  }
  CT_CHECK(y == x);
  CT_CHECK(sum == stack_sum);
  CT_CHECK(memcmp(table, check_table, sizeof table) == 0);
  ct_pass();
}
