/* tests/plugin/plugins/sleep1.c: the sleep wrapper of the seed's section 3.2.2: prints
 * before and after calling the next sleep (NEXT_FNC), so that nesting shows in the output. */
#include <stdio.h>
#include <sys/time.h>
#include "dmtcp.h"

unsigned int sleep(unsigned int seconds)
{
  struct timeval oldtv, tv;
  gettimeofday(&oldtv, NULL);
  printf("sleep1: enter %u\n", seconds);
  fflush(stdout);
  unsigned int result = NEXT_FNC(sleep)(seconds);
  gettimeofday(&tv, NULL);
  printf("sleep1: leave, time elapsed: %f\n",
         (1e6 * (tv.tv_sec - oldtv.tv_sec) + 1.0 * (tv.tv_usec - oldtv.tv_usec)) / 1e6);
  fflush(stdout);
  return result;
}
