/* benchmarks/memcpy_bw.c: the machine's memory-copy bandwidth, the ceiling for any
 * in-memory step of a checkpoint (fork copy-on-write, compression input, page-cache fill).
 *
 * Usage: memcpy_bw [MiB] [repeats]   (defaults: 1024 MiB, best of 5)
 * Both buffers are touched first (warm-up, not timed); then memcpy of the whole buffer is
 * timed `repeats` times with CLOCK_MONOTONIC and the best is printed as one JSON object:
 * {"bytes": B, "repeats": R, "best_seconds": S, "mib_per_s": M}
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double monotonic_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void* alloc(size_t bytes) {
  void* p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("memcpy_bw: mmap");
    exit(2);
  }
  return p;
}

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 1024;
  int repeats = argc > 2 ? atoi(argv[2]) : 5;
  if (mib == 0 || repeats <= 0) {
    fprintf(stderr, "usage: memcpy_bw [MiB > 0] [repeats > 0]\n");
    return 2;
  }
  size_t bytes = mib << 20;
  unsigned char* src = alloc(bytes);
  unsigned char* dst = alloc(bytes);
  for (size_t i = 0; i < bytes; i += 64) { /* warm-up: fault in both buffers */
    src[i] = (unsigned char)(i * 131u);
    dst[i] = 0;
  }
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    double t0 = monotonic_now();
    memcpy(dst, src, bytes);
    double t = monotonic_now() - t0;
    best = t < best ? t : best;
  }
  if (memcmp(dst, src, bytes) != 0) { /* also keeps the copy from being optimised away */
    fprintf(stderr, "memcpy_bw: copy mismatch\n");
    return 1;
  }
  printf("{\"bytes\": %zu, \"repeats\": %d, \"best_seconds\": %.6f, \"mib_per_s\": %.1f}\n",
         bytes, repeats, best, (double)bytes / (1 << 20) / best);
  return 0;
}
