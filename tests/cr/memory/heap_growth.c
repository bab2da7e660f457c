/* tests/cr/memory/heap_growth.c: the heap keeps its contents and its break across
 * checkpoint/restart, and can grow afterwards through malloc, brk/sbrk and mmap. */
#include "ct.h"

enum { kSmall = 20000, kSmallSize = 48 };

static char* blocks[kSmall];

static void fill(char* p, size_t n, unsigned tag) {
  for (size_t i = 0; i < n; ++i) {
    p[i] = (char)(tag * 13 + i);
  }
}

static int same(const char* p, size_t n, unsigned tag) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != (char)(tag * 13 + i)) {
      return 0;
    }
  }
  return 1;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  for (unsigned i = 0; i < kSmall; ++i) {
    blocks[i] = malloc(kSmallSize);
    CT_CHECK(blocks[i] != NULL);
    fill(blocks[i], kSmallSize, i);
  }
  char* big = malloc(8 << 20); /* mmap'ed by malloc */
  CT_CHECK(big != NULL);
  fill(big, 8 << 20, 7);
  void* brk_before = sbrk(0);

  ct_checkpoint_point();

  CT_CHECK(sbrk(0) == brk_before);
  for (unsigned i = 0; i < kSmall; ++i) {
    if (!same(blocks[i], kSmallSize, i)) {
      ct_fail("heap block %u changed", i);
    }
  }
  CT_CHECK(same(big, 8 << 20, 7));
  for (unsigned i = 0; i < kSmall; i += 2) { /* free half, then grow past the old break */
    free(blocks[i]);
  }
  char* more[kSmall];
  for (unsigned i = 0; i < kSmall; ++i) {
    more[i] = malloc(256);
    CT_CHECK(more[i] != NULL);
    fill(more[i], 256, i + 5);
  }
  CT_CHECK((char*)sbrk(0) > (char*)brk_before);
  char* raw = sbrk(1 << 20); /* explicit break growth */
  CT_CHECK(raw != (void*)-1);
  fill(raw, 1 << 20, 3);
  CT_CHECK(same(raw, 1 << 20, 3));
  char* map = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CT_CHECK(map != MAP_FAILED);
  fill(map, 16 << 20, 9);
  CT_CHECK(same(map, 16 << 20, 9));
  for (unsigned i = 0; i < kSmall; ++i) {
    CT_CHECK(same(more[i], 256, i + 5));
    CT_CHECK(i % 2 == 0 || same(blocks[i], kSmallSize, i));
  }
  CT_CHECK(same(big, 8 << 20, 7));
  ct_pass();
}
