/* tests/plugin/apps/waiter.c: a program that waits at its checkpoint point and passes. */
#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int x = 42;
  ct_checkpoint_point();
  CT_CHECK(x == 42);
  ct_pass();
}
