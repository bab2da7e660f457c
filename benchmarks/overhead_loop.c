/* benchmarks/overhead_loop.c: the program behind the "overhead of running under ckpt"
 * measurements of ckpt_bench.py. It runs one loop and prints one JSON object with the time
 * of the loop alone (CLOCK_MONOTONIC around it), so that process start-up and the
 * coordinator connection are not part of the number; the driver also times the whole run.
 *
 * Usage: overhead_loop compute|getpid|read ITERATIONS [idle-thread]
 *   compute  integer arithmetic on registers only (a multiply-xorshift chain): no system
 *            calls and no memory traffic, so any slowdown under ckpt comes from the
 *            preloaded library's threads, signals or timers.
 *   getpid   getpid() ITERATIONS times through libc (a wrapper, if ckpt interposes one,
 *            is part of the cost).
 *   read     read() of 64 bytes from /dev/zero ITERATIONS times.
 *   idle-thread  first start one thread that only waits: the process is then
 *            multi-threaded, as it is under ckpt (libckpt's checkpoint thread), and glibc
 *            takes its slower multi-threaded paths (cancellation points such as read()).
 *            This separates that cost, which any helper thread brings, from ckpt's own.
 * Output: {"loop": "...", "iterations": N, "seconds": S, "check": X}
 *
 * Plain C, no ckpt headers: an unmodified application as far as ckpt is concerned.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double monotonic_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t compute(uint64_t n) {
  uint64_t x = 0x9E3779B97F4A7C15ull, acc = 0;
  for (uint64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    x ^= x >> 29;
    acc += x;
  }
  return acc;
}

static uint64_t getpid_loop(uint64_t n) {
  uint64_t acc = 0;
  for (uint64_t i = 0; i < n; ++i) {
    acc += (uint64_t)getpid();
  }
  return acc;
}

static uint64_t read_loop(uint64_t n) {
  int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    perror("overhead_loop: /dev/zero");
    exit(2);
  }
  char buf[64];
  uint64_t acc = 0;
  for (uint64_t i = 0; i < n; ++i) {
    ssize_t got = read(fd, buf, sizeof buf);
    if (got != (ssize_t)sizeof buf || buf[got - 1] != 0) {
      fprintf(stderr, "overhead_loop: read of /dev/zero returned %zd\n", got);
      exit(2);
    }
    acc += (uint64_t)got;
  }
  close(fd);
  return acc;
}

static void* idle_thread(void* arg) {
  (void)arg;
  for (;;) {
    pause();
  }
  return NULL;
}

int main(int argc, char** argv) {
  int with_thread = argc == 4 && strcmp(argv[3], "idle-thread") == 0;
  if (argc != 3 && !with_thread) {
    fprintf(stderr, "usage: overhead_loop compute|getpid|read ITERATIONS [idle-thread]\n");
    return 2;
  }
  pthread_t thread;
  if (with_thread && pthread_create(&thread, NULL, idle_thread, NULL) != 0) {
    fprintf(stderr, "overhead_loop: pthread_create failed\n");
    return 2;
  }
  uint64_t n = strtoull(argv[2], NULL, 10);
  uint64_t (*loop)(uint64_t) = strcmp(argv[1], "compute") == 0  ? compute
                               : strcmp(argv[1], "getpid") == 0 ? getpid_loop
                               : strcmp(argv[1], "read") == 0   ? read_loop
                                                                : NULL;
  if (loop == NULL || n == 0) {
    fprintf(stderr, "usage: overhead_loop compute|getpid|read ITERATIONS [idle-thread]\n");
    return 2;
  }
  double t0 = monotonic_now();
  uint64_t check = loop(n);
  double seconds = monotonic_now() - t0;
  printf("{\"loop\": \"%s\", \"iterations\": %llu, \"seconds\": %.9f, \"check\": %llu, "
         "\"idle_thread\": %s}\n",
         argv[1], (unsigned long long)n, seconds, (unsigned long long)check,
         with_thread ? "true" : "false");
  return 0;
}
