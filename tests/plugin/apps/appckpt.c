/* tests/plugin/apps/appckpt.c: application-initiated checkpoint (seed section 4), built as
 * the seed says (gcc -fPIC -I... myapp.c -ldl) and run with and without ckpt. */
#include <stdio.h>
#include "dmtcp.h"

int main(void) {
  printf("enabled: %d\n", dmtcpIsEnabled());
  fflush(stdout);
  int r = dmtcpCheckpoint();
  if (r == DMTCP_NOT_PRESENT) {
    printf("dmtcpcheckpoint: DMTCP not present. No checkpoint is taken.\n");
  } else if (r == DMTCP_AFTER_CHECKPOINT) {
    printf("result: AFTER_CHECKPOINT\n");
  } else if (r == DMTCP_AFTER_RESTART) {
    printf("result: AFTER_RESTART\n");
  } else {
    printf("result: ERROR %d\n", r);
    return 1;
  }
  fflush(stdout);
  return 0;
}
