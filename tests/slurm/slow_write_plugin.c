/* tests/slurm/slow_write_plugin.c: a test plugin that makes the image write slow on demand,
 * for the failure path "a checkpoint that cannot finish before Slurm kills the job leaves the
 * previous generation as the one restarted". At WRITE_CKPT it sleeps CKPT_TEST_SLOW_SECONDS
 * (default 30) while the file named by CKPT_TEST_SLOW_FLAG exists, so that the test takes fast
 * checkpoints first and then turns the slowness on. Checkpoint path: only getenv() at INIT,
 * access(2) and nanosleep(2) afterwards; no allocation. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/plugin.h"

static const char* g_flag;
static long g_seconds = 30;

static int on_event(ckpt_event_t event, void* data) {
  (void)data;
  if (event == CKPT_EVENT_INIT) {
    g_flag = getenv("CKPT_TEST_SLOW_FLAG");
    const char* s = getenv("CKPT_TEST_SLOW_SECONDS");
    if (s != NULL) {
      g_seconds = strtol(s, NULL, 10);
    }
  } else if (event == CKPT_EVENT_WRITE_CKPT && g_flag != NULL && access(g_flag, F_OK) == 0) {
    struct timespec left = {g_seconds, 0};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
  }
  return 0;
}

CKPT_DECLARE_PLUGIN({CKPT_PLUGIN_ABI_V1, "slow_write", 90, 1, on_event});
