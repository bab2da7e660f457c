/* tests/cr/core/interval.c: under `ckpt launch --interval 1` (interval.test), checkpoints
 * are taken on a timer while the program runs undisturbed; the harness then requires at
 * least two committed generations that verify. */
#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  unsigned tenths = argc > 1 ? (unsigned)atoi(argv[1]) : 40;
  uint64_t start = ct_now_ns();
  uint64_t sum = 0;
  for (unsigned i = 1; i <= tenths; ++i) {
    ct_sleep_ms(100);
    sum += i;
  }

  ct_checkpoint_point();

  CT_CHECK(sum == (uint64_t)tenths * (tenths + 1) / 2);
  CT_CHECK(ct_now_ns() - start >= (uint64_t)tenths * 100000000u);
  ct_pass();
}
