/* tests/multihost/host_counter.c
 * A computation that moves between hosts: it reports its host name, computes the first
 * half of a hash chain, waits at the checkpoint point (the driver checkpoints, kills, and
 * restarts it on another host), reports its host name again and finishes the chain.
 * Usage: host_counter SEED STEPS. The "result" line must equal a native run's. */
#include <stdio.h>

#include "ct.h"

static uint64_t advance(uint64_t x, long steps) {
  for (long i = 0; i < steps; ++i) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 29;
    x += (uint64_t)i;
  }
  return x;
}

static void say_host(const char* when) {
  char host[256] = {0};
  CT_CHECK(gethostname(host, sizeof host - 1) == 0);
  ct_log("%s host=%s pid=%d", when, host, (int)getpid());
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  CT_CHECK(argc == 3);
  uint64_t x = strtoull(argv[1], NULL, 10);
  long steps = strtol(argv[2], NULL, 10);
  say_host("before");
  x = advance(x, steps / 2);
  ct_log("half %llu", (unsigned long long)x);

  ct_checkpoint_point(); /* driver: checkpoint, kill, restart on another host */

  say_host("after");
  x = advance(x, steps - steps / 2);
  ct_log("result %llu", (unsigned long long)x);
  ct_pass();
}
