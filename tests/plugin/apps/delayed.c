/* tests/plugin/apps/delayed.c: delayed checkpoint (seed section 4). Holds
 * dmtcpDelayCheckpointsLock for HOLD_MS milliseconds (argv[1]); a checkpoint requested
 * meanwhile must wait for the unlock. Prints CLOCK_MONOTONIC times so the driver can check
 * that the checkpoint was committed after "unlocking". Runs with and without ckpt. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "dmtcp.h"

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
  long hold_ms = argc > 1 ? atol(argv[1]) : 3000;
  int rc = dmtcpDelayCheckpointsLock();
  printf("locked rc=%d at %lld\n", rc, now_ns());
  fflush(stdout);
  for (long waited = 0; waited < hold_ms; waited += 10) usleep(10000);
  long long t = now_ns();
  rc = dmtcpDelayCheckpointsUnlock();
  printf("unlocking rc=%d at %lld\n", rc, t);
  fflush(stdout);
  int r = dmtcpCheckpoint();
  printf("checkpoint result %d (%s)\n", r, r == DMTCP_NOT_PRESENT ? "not present"
         : r == DMTCP_AFTER_CHECKPOINT ? "after checkpoint" : "other");
  fflush(stdout);
  return (r == DMTCP_NOT_PRESENT || r == DMTCP_AFTER_CHECKPOINT) ? 0 : 1;
}
