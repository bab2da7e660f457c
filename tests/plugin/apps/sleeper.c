/* tests/plugin/apps/sleeper.c: calls sleep() before and after its checkpoint point, so the
 * sleep wrapper plugins show their nesting on both sides of a restart. */
#include <stdio.h>
#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  printf("app: sleep before\n");
  fflush(stdout);
  CT_CHECK(sleep(1) == 0);
  ct_checkpoint_point();
  printf("app: sleep after\n");
  fflush(stdout);
  CT_CHECK(sleep(1) == 0);
  ct_pass();
}
