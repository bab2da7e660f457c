/* tests/cr/errors/victim.c: the program the error-path cases checkpoint, damage and kill:
 * N MiB (argv[1], default 64) of non-zero data, verified after the checkpoint point so a
 * restart from a bad generation cannot pass unnoticed. */
#include "ct.h"

static uint64_t word(uint64_t i) { return (i + 1) * 0x9e3779b97f4a7c15ull; }

int main(int argc, char** argv) {
  ct_init(argc, argv);
  uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 64;
  uint64_t n = mib << 17; /* words */
  uint64_t* data = mmap(NULL, n * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CT_CHECK(data != MAP_FAILED);
  for (uint64_t i = 0; i < n; ++i) {
    data[i] = word(i);
  }

  ct_checkpoint_point();

  for (uint64_t i = 0; i < n; ++i) {
    if (data[i] != word(i)) {
      ct_fail("word %llu changed", (unsigned long long)i);
    }
  }
  ct_pass();
}
