/* tests/slurm/slurm_worker.c: the deterministic job the Slurm tests checkpoint, requeue and
 * restart. Usage: slurm_worker STEPS SLEEP_MS
 * Each step mixes a 32 KiB state array (xorshift), folds it into an accumulator and prints
 *   step I/STEPS acc=HEX
 * then sleeps SLEEP_MS (restarting the sleep after EINTR: checkpoints interrupt it). At the
 * end it prints
 *   RESULT steps=STEPS acc=HEX
 * Whenever the host name differs from the one printed last (at the start, and after a restart
 * on another node) it prints
 *   task T host NAME
 * with T = SLURM_PROCID at the start of the run (kept across restarts: the environment is
 * part of the image), "-" outside Slurm.
 * The result depends only on STEPS, so `slurm_worker STEPS 0` computes in a moment what a
 * run that was checkpointed, killed and restarted any number of times must print. A fresh
 * start prints "step 1/"; a run restored from a generation continues where it stopped.
 * Every line goes out in one write(2). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

enum { kWords = 4096 };

static uint64_t g_state[kWords];

static void say(const char* line) {
  size_t len = strlen(line);
  while (len > 0) {
    ssize_t n = write(STDOUT_FILENO, line, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    line += n;
    len -= (size_t)n;
  }
}

static void sleep_ms(long ms) {
  struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

/* Prints "task T host NAME" when the host name changed since the last call. */
static void say_host_if_moved(const char* task) {
  static char last[sizeof(((struct utsname*)0)->nodename)];
  struct utsname u;
  if (uname(&u) != 0 || strcmp(u.nodename, last) == 0) {
    return;
  }
  snprintf(last, sizeof last, "%s", u.nodename);
  char line[160];
  snprintf(line, sizeof line, "task %s host %s\n", task, u.nodename);
  say(line);
}

static uint64_t mix_step(uint64_t acc, long step) {
  for (int i = 0; i < kWords; ++i) {
    uint64_t x = g_state[i] ^ (acc + (uint64_t)step * 0x9E3779B97F4A7C15ull);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    g_state[i] = x;
    acc = (acc ^ x) * 0x100000001B3ull;
  }
  return acc;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    say("usage: slurm_worker STEPS SLEEP_MS\n");
    return 2;
  }
  long steps = strtol(argv[1], NULL, 10);
  long pause_ms = strtol(argv[2], NULL, 10);
  for (int i = 0; i < kWords; ++i) {
    g_state[i] = (uint64_t)i * 0x2545F4914F6CDD1Dull + 1;
  }
  const char* task = getenv("SLURM_PROCID");
  task = task != NULL ? task : "-";
  uint64_t acc = 0xCBF29CE484222325ull;
  char line[128];
  for (long step = 1; step <= steps; ++step) {
    say_host_if_moved(task);
    acc = mix_step(acc, step);
    snprintf(line, sizeof line, "step %ld/%ld acc=%016llx\n", step, steps,
             (unsigned long long)acc);
    say(line);
    sleep_ms(pause_ms);
  }
  snprintf(line, sizeof line, "RESULT steps=%ld acc=%016llx\n", steps, (unsigned long long)acc);
  say(line);
  return 0;
}
