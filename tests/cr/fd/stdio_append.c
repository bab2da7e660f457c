/* tests/cr/fd/stdio_append.c: an output file written as hpcc writes hpccoutf.txt, through
 * stdio with fopen(path, "a") / fprintf / fclose per record, by two threads (each its own
 * file, one with a 64-byte stdio buffer so that a record is flushed in several write(2)s),
 * checkpointed at arbitrary moments (--async-at): inside fopen, a flush or fclose. Each
 * writer runs for 1.5 s of its own running time (the gaps of checkpoints and restarts left
 * out), so the number of records varies; at the end each file must hold exactly the records
 * its writer completed, once, in order: none written twice (a stdio buffer flushed again,
 * bytes at a stale offset), none lost, nothing else. */
#include <pthread.h>
#include <stdio.h>

#include "ct.h"

enum { kSmallBuffer = 64, kBurst = 16 };
static const uint64_t kRunNs = 1500ull * 1000 * 1000;  /* running time, restarts not counted */
static const uint64_t kGapNs = 50ull * 1000 * 1000;    /* a longer step is a checkpoint gap */

struct writer {
  char path[4096];
  int small_buffer;
  int records;  /* written and closed */
};

static void record(char* out, size_t cap, int i) {
  /* Two lines of equal length, like PTRANS's WALL and CPU lines. */
  snprintf(out, cap, "WALL %6d %8.2f PASSED %8.3f\nCPU  %6d %8.2f PASSED %8.3f\n", i,
           i * 0.25, i * 1.5, i, i * 0.5, i * 2.5);
}

static void* write_records(void* arg) {
  struct writer* w = arg;
  char text[160];
  uint64_t ran = 0;
  uint64_t last = ct_now_ns();
  for (int i = 0; ran < kRunNs; ++i) {
    FILE* f = fopen(w->path, "a");
    CT_CHECK(f != NULL);
    if (w->small_buffer) CT_CHECK(setvbuf(f, NULL, _IOFBF, kSmallBuffer) == 0);
    record(text, sizeof text, i);
    CT_CHECK(fputs(text, f) >= 0);
    CT_CHECK(fclose(f) == 0);
    w->records = i + 1;
    if (i % kBurst == 0) ct_sleep_ms(1);
    uint64_t now = ct_now_ns();
    ran += now - last < kGapNs ? now - last : 0;
    last = now;
  }
  return NULL;
}

/* The file holds exactly the records 0..w->records-1, in order. */
static void verify(const struct writer* w) {
  const char* name = strrchr(w->path, '/') + 1;
  FILE* f = fopen(w->path, "r");
  CT_CHECK(f != NULL);
  char want[160];
  char got[160];
  for (int i = 0; i < w->records; ++i) {
    record(want, sizeof want, i);
    size_t len = strlen(want);
    size_t n = fread(got, 1, len, f);
    got[n] = '\0';
    if (n != len || memcmp(got, want, len) != 0) {
      ct_fail("%s: record %d is \"%.*s\", expected \"%.*s\"", name, i, (int)strcspn(got, "\n"),
              got, (int)strcspn(want, "\n"), want);
    }
  }
  if (fgetc(f) != EOF) ct_fail("%s: more than its %d records", name, w->records);
  fclose(f);
  ct_log("%s: every record once, in order", name);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  static struct writer big = {.small_buffer = 0};
  static struct writer small = {.small_buffer = 1};
  snprintf(big.path, sizeof big.path, "%s", ct_path("out_default.txt"));
  snprintf(small.path, sizeof small.path, "%s", ct_path("out_small.txt"));
  pthread_t helper;
  CT_CHECK(pthread_create(&helper, NULL, write_records, &small) == 0);
  write_records(&big);
  CT_CHECK(pthread_join(helper, NULL) == 0);
  CT_CHECK(big.records > 0 && small.records > 0);

  ct_checkpoint_point();

  verify(&big);
  verify(&small);
  ct_pass();
}
