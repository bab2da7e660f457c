/* benchmarks/memhog.c: the benchmark program that ckpt_bench.py checkpoints and restarts.
 *
 * Usage: memhog --size-mib N [--mode random|zero|sparse|text] [--ready-file F] --stop-file F
 *               [--resume-file F --stamp-file F] [--result-file F]
 *               [--command-file F --reply-file F]
 *
 * It allocates N MiB and fills it (random: xorshift64* stream with a fixed seed; zero:
 * every page written with zeros; sparse: reserves 16 GiB with MAP_NORESERVE and touches N
 * MiB spread evenly over it with random content; text: words of English text, each 8-byte
 * word one of 64, picked by the same stream: compressible), then writes "ready <pid> <base address>"
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
 * --result-file receives "verified <ok|bad> <realtime> <mismatching words> stamped=<0|1>"
 * after the check (stamped: whether this process wrote the stamp file).
 *
 * Commands (--command-file F --reply-file R): the driver renames a file holding one line
 * "<seq> <command> [arg]" to F; memhog reads and deletes it and answers "ack <seq> ..." in R
 * (written atomically). Commands:
 *   spin          leave the 10 ms sleep and run a tight loop that reads CLOCK_MONOTONIC and
 *                 records the gaps between consecutive iterations (no threads of its own; a
 *                 checkpoint that suspends the process shows up as one long gap).
 *                 Reply: "ack <seq> spinning".
 *   report        stop spinning. Reply: "ack <seq> stall <max gap s> <iterations>
 *                 <gaps over 1 ms> <seconds in gaps over 1 ms> <window s>".
 *   dirty PCT     rewrite every (100/PCT)-th page of the N MiB with new content (dirty round
 *                 r seeds page k's stream with k and r; verification expects it). Reply:
 *                 "ack <seq> dirtied <pages> <seconds>".
 *   forktime      fork (raw clone, bypassing any wrapper) and time the parent's side: what
 *                 a forked checkpoint's fork costs at least. Reply: "ack <seq> forked <s>".
 * Files are polled every millisecond while spinning, every 10 ms otherwise.
 *
 * Plain C, no ckpt headers: it is an unmodified application as far as ckpt is concerned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum fill_mode { kRandom, kZero, kSparse, kText };

struct options {
  uint64_t size_mib;
  enum fill_mode mode;
  const char* ready_file;
  const char* stop_file;
  const char* resume_file;
  const char* stamp_file;
  const char* result_file;
  const char* command_file;
  const char* reply_file;
};

/* Everything the loop keeps between iterations. It lives in the process's memory, so a
 * restored process continues with the state of the checkpoint (dirty rounds included). */
struct loop_state {
  int spinning;
  int stamped;
  double last;       /* CLOCK_MONOTONIC of the previous spin iteration */
  double last_poll;  /* CLOCK_MONOTONIC of the previous look at the files */
  double window_start;
  double max_gap;
  double long_gap_seconds;
  uint64_t iterations;
  uint64_t long_gaps;
  uint32_t dirty_rounds;
  uint32_t dirty_every; /* page k was rewritten in every dirty round iff k % dirty_every == 0 */
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
          "usage: memhog --size-mib N [--mode random|zero|sparse|text] [--ready-file F] "
          "--stop-file F [--resume-file F --stamp-file F] [--result-file F] "
          "[--command-file F --reply-file F]\n");
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

/* Dirty round 0 is the first fill. */
static uint64_t page_seed(uint64_t page_index, uint32_t round) {
  return kSeed ^ (page_index * 0xD6E8FEB86659FD93ull) ^ 1ull ^ ((uint64_t)round << 40);
}

/* text mode: each 8-byte word is one of 64 words of English text picked by the stream (6
 * bits of entropy per 8 bytes): compressible like text or typical application data. */
static int g_text = 0;
static const char kWords[] =
    "the     of      and     to      in      is      for     that    "
    "with    on      as      data    from    by      this    are     "
    "process memory  page    image   restart value   each    which   "
    "time    after   before  node    file    thread  write   read    "
    "will    other   when    into    than    then    them    these   "
    "some    would   there   could   first   only    new     used    "
    "number  state   result  system  loop    check   cycle   region  "
    "signal  barrier commit  written between while   where   because ";

static inline uint64_t word_at(uint64_t* state) {
  uint64_t x = next_word(state);
  if (!g_text) {
    return x;
  }
  uint64_t w;
  memcpy(&w, kWords + 8 * (x >> 58), 8);
  return w;
}

static void fill_page(uint64_t* page, uint64_t page_index, uint32_t round) {
  uint64_t state = page_seed(page_index, round);
  for (size_t i = 0; i < kPage / sizeof(uint64_t); ++i) {
    page[i] = word_at(&state);
  }
}

/* Returns the number of 64-bit words that differ from the regenerated stream. */
static uint64_t check_page(const uint64_t* page, uint64_t page_index, uint32_t round) {
  uint64_t state = page_seed(page_index, round);
  uint64_t bad = 0;
  for (size_t i = 0; i < kPage / sizeof(uint64_t); ++i) {
    bad += page[i] != word_at(&state);
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
      fill_page((uint64_t*)(base + k * stride * kPage), k, 0);
    }
    return base;
  }
  char* base = reserve(pages * kPage, 0);
  for (uint64_t k = 0; k < pages; ++k) {
    if (o->mode == kZero) {
      memset(base + k * kPage, 0, kPage); /* touches the page: present but all zero */
    } else {
      fill_page((uint64_t*)(base + k * kPage), k, 0);
    }
  }
  return base;
}

static uint64_t page_count(const struct options* o) {
  return o->size_mib * (1ull << 20) / kPage;
}

/* Address of page k of the N MiB (sparse mode spreads them over the reservation). */
static char* page_at(const struct options* o, char* base, uint64_t k) {
  uint64_t stride = o->mode == kSparse ? sparse_stride(page_count(o)) : 1;
  return base + k * stride * kPage;
}

static uint64_t verify(const struct options* o, const struct loop_state* s, char* base) {
  uint64_t pages = page_count(o);
  uint64_t stride = o->mode == kSparse ? sparse_stride(pages) : 1;
  uint64_t bad = 0;
  for (uint64_t k = 0; k < pages; ++k) {
    const uint64_t* page = (const uint64_t*)page_at(o, base, k);
    if (s->dirty_rounds > 0 && k % s->dirty_every == 0) {
      bad += check_page(page, k, s->dirty_rounds);
    } else {
      bad += o->mode == kZero ? check_zero(page) : check_page(page, k, 0);
    }
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

static enum fill_mode parse_mode(const char* name) {
  if (strcmp(name, "random") == 0) {
    return kRandom;
  }
  if (strcmp(name, "zero") == 0) {
    return kZero;
  }
  if (strcmp(name, "sparse") == 0) {
    return kSparse;
  }
  if (strcmp(name, "text") == 0) {
    g_text = 1;
    return kText;
  }
  usage();
  return kRandom;
}

static void parse(int argc, char** argv, struct options* o) {
  static const struct option longopts[] = {
      {"size-mib", required_argument, 0, 's'},     {"mode", required_argument, 0, 'm'},
      {"ready-file", required_argument, 0, 'r'},   {"stop-file", required_argument, 0, 'x'},
      {"resume-file", required_argument, 0, 'u'},  {"stamp-file", required_argument, 0, 't'},
      {"result-file", required_argument, 0, 'o'},  {"command-file", required_argument, 0, 'c'},
      {"reply-file", required_argument, 0, 'p'},   {0, 0, 0, 0}};
  int c;
  memset(o, 0, sizeof *o);
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 's': o->size_mib = strtoull(optarg, NULL, 10); break;
      case 'm': o->mode = parse_mode(optarg); break;
      case 'r': o->ready_file = optarg; break;
      case 'x': o->stop_file = optarg; break;
      case 'u': o->resume_file = optarg; break;
      case 't': o->stamp_file = optarg; break;
      case 'o': o->result_file = optarg; break;
      case 'c': o->command_file = optarg; break;
      case 'p': o->reply_file = optarg; break;
      default: usage();
    }
  }
  if (o->size_mib == 0 || o->stop_file == NULL || optind != argc ||
      (o->resume_file == NULL) != (o->stamp_file == NULL) ||
      (o->command_file == NULL) != (o->reply_file == NULL)) {
    usage();
  }
}

static double monotonic_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void start_spinning(struct loop_state* s) {
  s->spinning = 1;
  s->window_start = s->last = s->last_poll = monotonic_now();
  s->max_gap = s->long_gap_seconds = 0;
  s->iterations = s->long_gaps = 0;
}

/* One iteration of the tight loop: the gap since the previous one. */
static inline void spin_once(struct loop_state* s, double now) {
  double gap = now - s->last;
  if (gap > s->max_gap) {
    s->max_gap = gap;
  }
  if (gap > 1e-3) {
    s->long_gaps++;
    s->long_gap_seconds += gap;
  }
  s->last = now;
  s->iterations++;
}

/* Rewrites every dirty_every-th page with the stream of the next dirty round. */
static void dirty_pages(const struct options* o, struct loop_state* s, char* base,
                        uint32_t percent, char* reply, size_t reply_len) {
  uint32_t every = percent > 0 && percent <= 100 ? 100 / percent : 0;
  if (every == 0 || (s->dirty_rounds > 0 && every != s->dirty_every)) {
    snprintf(reply, reply_len, "error dirty %u: percent must divide 100 and stay the same",
             percent);
    return;
  }
  double t0 = monotonic_now();
  s->dirty_every = every;
  s->dirty_rounds++;
  uint64_t pages = page_count(o), done = 0;
  for (uint64_t k = 0; k < pages; k += every, ++done) {
    fill_page((uint64_t*)page_at(o, base, k), k, s->dirty_rounds);
  }
  snprintf(reply, reply_len, "dirtied %llu %.6f", (unsigned long long)done,
           monotonic_now() - t0);
}

/* The kernel's fork of this process as it is (copying its page tables): a raw clone, so
 * that no fork wrapper of ckpt runs; the child exits at once. */
static void fork_time(char* reply, size_t reply_len) {
  double t0 = monotonic_now();
  long pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
  if (pid == 0) {
    syscall(SYS_exit_group, 0L);
  }
  double t1 = monotonic_now();
  int status = 0;
  if (pid < 0 || syscall(SYS_wait4, pid, &status, 0L, 0L) != pid) {
    snprintf(reply, reply_len, "error fork failed");
    return;
  }
  snprintf(reply, reply_len, "forked %.9f", t1 - t0);
}

/* Reads, deletes and answers one command, if the command file exists. */
static void serve_command(const struct options* o, struct loop_state* s, char* base) {
  char line[128] = {0}, reply[256], word[32] = {0};
  FILE* f = o->command_file != NULL ? fopen(o->command_file, "r") : NULL;
  if (f == NULL) {
    return;
  }
  size_t n = fread(line, 1, sizeof line - 1, f);
  fclose(f);
  unlink(o->command_file);
  unsigned long long seq = 0;
  unsigned arg = 0;
  if (n == 0 || sscanf(line, "%llu %31s %u", &seq, word, &arg) < 2) {
    snprintf(reply, sizeof reply, "error bad command: %.100s", line);
  } else if (strcmp(word, "spin") == 0) {
    start_spinning(s);
    snprintf(reply, sizeof reply, "spinning");
  } else if (strcmp(word, "report") == 0) {
    s->spinning = 0;
    snprintf(reply, sizeof reply, "stall %.9f %llu %llu %.6f %.6f", s->max_gap,
             (unsigned long long)s->iterations, (unsigned long long)s->long_gaps,
             s->long_gap_seconds, monotonic_now() - s->window_start);
  } else if (strcmp(word, "dirty") == 0) {
    dirty_pages(o, s, base, arg, reply, sizeof reply);
  } else if (strcmp(word, "forktime") == 0) {
    fork_time(reply, sizeof reply);
  } else {
    snprintf(reply, sizeof reply, "error unknown command %s", word);
  }
  char text[300];
  snprintf(text, sizeof text, "ack %llu %s\n", seq, reply);
  write_atomically(o->reply_file, text);
}

/* Looks at the files: stamps the first poll that sees the resume file, serves a command.
 * Returns 1 once the stop file exists. */
static int poll_files(const struct options* o, struct loop_state* s, char* base) {
  if (!s->stamped && exists(o->resume_file)) {
    char line[64];
    snprintf(line, sizeof line, "%.6f\n", realtime_now());
    write_atomically(o->stamp_file, line);
    s->stamped = 1;
  }
  serve_command(o, s, base);
  return exists(o->stop_file);
}

/* Sleeps 10 ms per iteration (or spins, see the commands) until the stop file exists. */
static void wait_for_stop(const struct options* o, struct loop_state* s, char* base) {
  const struct timespec tick = {0, 10 * 1000 * 1000};
  for (;;) {
    if (s->spinning) {
      double now = monotonic_now();
      spin_once(s, now);
      if (now - s->last_poll < 1e-3) {
        continue;
      }
      s->last_poll = now;
    }
    if (poll_files(o, s, base)) {
      return;
    }
    if (!s->spinning) {
      nanosleep(&tick, NULL);
    }
  }
}

int main(int argc, char** argv) {
  struct options o;
  static struct loop_state state;
  parse(argc, argv, &o);
  char* base = fill(&o);
  char ready[64];
  snprintf(ready, sizeof ready, "ready %d %p\n", (int)getpid(), (void*)base);
  fputs(ready, stdout);
  fflush(stdout);
  if (o.ready_file != NULL) {
    write_atomically(o.ready_file, ready);
  }
  wait_for_stop(&o, &state, base);
  uint64_t bad = verify(&o, &state, base);
  double done = realtime_now();
  if (o.result_file != NULL) {
    char line[128];
    snprintf(line, sizeof line, "verified %s %.6f %llu stamped=%d\n", bad == 0 ? "ok" : "bad",
             done, (unsigned long long)bad, state.stamped);
    write_atomically(o.result_file, line);
  }
  printf("memhog: %s (%llu mismatching words, %u dirty rounds)\n",
         bad == 0 ? "verified" : "CORRUPT", (unsigned long long)bad, state.dirty_rounds);
  return bad == 0 ? 0 : 1;
}
