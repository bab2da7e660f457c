/* benchmarks/memhog.c: the benchmark program that ckpt_bench.py checkpoints and restarts.
 *
 * Usage: memhog --size-mib N [--mode random|zero|sparse] [--ready-file F] --stop-file F
 *               [--resume-file F --stamp-file F] [--result-file F]
 *
 * It allocates N MiB and fills it (random: xorshift64* stream with a fixed seed; zero:
 * every page written with zeros; sparse: reserves 16 GiB with MAP_NORESERVE and touches N
 * MiB spread evenly over it with random content), then writes "ready <pid> <base address>"
 * to stdout and, atomically, to --ready-file. It then loops, sleeping 10 ms, until
 * --stop-file exists; then it verifies every byte against the regenerated stream (and, in
 * sparse mode, that one page in every untouched gap still reads as zero) and exits 0 if
 * all match, 1 otherwise.
 *
 * Restart-to-running: when --resume-file and --stamp-file are given, the first loop
 * iteration that sees --resume-file writes the CLOCK_REALTIME time (seconds, ns
 * resolution) to --stamp-file. The driver creates the resume file after the original
 * process has been killed and before `ckpt restart` starts, so the first iteration that
 * sees it is the first iteration of the restarted process.
 * --result-file receives "verified <ok|bad> <realtime> <mismatching words>" after the check.
 *
 * Plain C, no ckpt headers: it is an unmodified application as far as ckpt is concerned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum fill_mode { kRandom, kZero, kSparse };

struct options {
  uint64_t size_mib;
  enum fill_mode mode;
  const char* ready_file;
  const char* stop_file;
  const char* resume_file;
  const char* stamp_file;
  const char* result_file;
};

static const uint64_t kSeed = 0x9E3779B97F4A7C15ull;
static const size_t kPage = 4096;
static const uint64_t kSparseReserve = 16ull << 30;

static void die(const char* what) {
  fprintf(stderr, "memhog: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void usage(void) {
  fprintf(stderr,
          "usage: memhog --size-mib N [--mode random|zero|sparse] [--ready-file F] "
          "--stop-file F [--resume-file F --stamp-file F] [--result-file F]\n");
  exit(2);
}

/* xorshift64*: a fixed-seed stream; each page is seeded by its index so that any page
 * can be regenerated on its own (sparse mode visits pages out of a contiguous order). */
static inline uint64_t next_word(uint64_t* state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t page_seed(uint64_t page_index) {
  return kSeed ^ (page_index * 0xD6E8FEB86659FD93ull) ^ 1ull;
}

static void fill_page(uint64_t* page, uint64_t page_index) {
  uint64_t state = page_seed(page_index);
  for (size_t i = 0; i < kPage / sizeof(uint64_t); ++i) {
    page[i] = next_word(&state);
  }
}

/* Returns the number of 64-bit words that differ from the regenerated stream. */
static uint64_t check_page(const uint64_t* page, uint64_t page_index) {
  uint64_t state = page_seed(page_index);
  uint64_t bad = 0;
  for (size_t i = 0; i < kPage / sizeof(uint64_t); ++i) {
    bad += page[i] != next_word(&state);
  }
  return bad;
}

static uint64_t check_zero(const uint64_t* page) {
  uint64_t bad = 0;
  for (size_t i = 0; i < kPage / sizeof(uint64_t); ++i) {
    bad += page[i] != 0;
  }
  return bad;
}

static char* reserve(size_t bytes, int noreserve) {
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0);
  void* p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (p == MAP_FAILED) {
    die("mmap");
  }
  return p;
}

/* Sparse layout: page k of the N MiB lives at page k * stride of the reservation. */
static uint64_t sparse_stride(uint64_t pages) {
  uint64_t stride = (kSparseReserve / kPage) / pages;
  return stride ? stride : 1;
}

static char* fill(const struct options* o) {
  uint64_t pages = o->size_mib * (1ull << 20) / kPage;
  if (o->mode == kSparse) {
    char* base = reserve(kSparseReserve, 1);
    uint64_t stride = sparse_stride(pages);
    for (uint64_t k = 0; k < pages; ++k) {
      fill_page((uint64_t*)(base + k * stride * kPage), k);
    }
    return base;
  }
  char* base = reserve(pages * kPage, 0);
  for (uint64_t k = 0; k < pages; ++k) {
    if (o->mode == kZero) {
      memset(base + k * kPage, 0, kPage); /* touches the page: present but all zero */
    } else {
      fill_page((uint64_t*)(base + k * kPage), k);
    }
  }
  return base;
}

static uint64_t verify(const struct options* o, const char* base) {
  uint64_t pages = o->size_mib * (1ull << 20) / kPage;
  uint64_t stride = o->mode == kSparse ? sparse_stride(pages) : 1;
  uint64_t bad = 0;
  for (uint64_t k = 0; k < pages; ++k) {
    const uint64_t* page = (const uint64_t*)(base + k * stride * kPage);
    bad += o->mode == kZero ? check_zero(page) : check_page(page, k);
    if (stride > 1) { /* one never-touched page of the gap must read as zero */
      bad += check_zero((const uint64_t*)(base + (k * stride + stride / 2) * kPage));
    }
  }
  return bad;
}

static double realtime_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Writes text to path through a temporary name and rename, so readers never see half. */
static void write_atomically(const char* path, const char* text) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    die(tmp);
  }
  size_t len = strlen(text);
  if (write(fd, text, len) != (ssize_t)len || close(fd) != 0) {
    die(tmp);
  }
  if (rename(tmp, path) != 0) {
    die(path);
  }
}

static int exists(const char* path) {
  return path != NULL && access(path, F_OK) == 0;
}

static void parse(int argc, char** argv, struct options* o) {
  static const struct option longopts[] = {
      {"size-mib", required_argument, 0, 's'},    {"mode", required_argument, 0, 'm'},
      {"ready-file", required_argument, 0, 'r'},  {"stop-file", required_argument, 0, 'x'},
      {"resume-file", required_argument, 0, 'u'}, {"stamp-file", required_argument, 0, 't'},
      {"result-file", required_argument, 0, 'o'}, {0, 0, 0, 0}};
  int c;
  memset(o, 0, sizeof *o);
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 's': o->size_mib = strtoull(optarg, NULL, 10); break;
      case 'm':
        if (strcmp(optarg, "random") == 0) {
          o->mode = kRandom;
        } else if (strcmp(optarg, "zero") == 0) {
          o->mode = kZero;
        } else if (strcmp(optarg, "sparse") == 0) {
          o->mode = kSparse;
        } else {
          usage();
        }
        break;
      case 'r': o->ready_file = optarg; break;
      case 'x': o->stop_file = optarg; break;
      case 'u': o->resume_file = optarg; break;
      case 't': o->stamp_file = optarg; break;
      case 'o': o->result_file = optarg; break;
      default: usage();
    }
  }
  if (o->size_mib == 0 || o->stop_file == NULL || optind != argc ||
      (o->resume_file == NULL) != (o->stamp_file == NULL)) {
    usage();
  }
}

/* Sleeps 10 ms per iteration until the stop file exists; stamps the first iteration that
 * sees the resume file. */
static void wait_for_stop(const struct options* o) {
  int stamped = 0;
  const struct timespec tick = {0, 10 * 1000 * 1000};
  for (;;) {
    if (!stamped && exists(o->resume_file)) {
      char line[64];
      snprintf(line, sizeof line, "%.6f\n", realtime_now());
      write_atomically(o->stamp_file, line);
      stamped = 1;
    }
    if (exists(o->stop_file)) {
      return;
    }
    nanosleep(&tick, NULL);
  }
}

int main(int argc, char** argv) {
  struct options o;
  parse(argc, argv, &o);
  char* base = fill(&o);
  char ready[64];
  snprintf(ready, sizeof ready, "ready %d %p\n", (int)getpid(), (void*)base);
  fputs(ready, stdout);
  fflush(stdout);
  if (o.ready_file != NULL) {
    write_atomically(o.ready_file, ready);
  }
  wait_for_stop(&o);
  uint64_t bad = verify(&o, base);
  double done = realtime_now();
  if (o.result_file != NULL) {
    char line[128];
    snprintf(line, sizeof line, "verified %s %.6f %llu\n", bad == 0 ? "ok" : "bad", done,
             (unsigned long long)bad);
    write_atomically(o.result_file, line);
  }
  printf("memhog: %s (%llu mismatching words)\n", bad == 0 ? "verified" : "CORRUPT",
         (unsigned long long)bad);
  return bad == 0 ? 0 : 1;
}
