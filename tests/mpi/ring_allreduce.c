/* tests/mpi/ring_allreduce.c: an MPI job for checkpoint/restart of a whole Open MPI job.
 * Usage: mpirun ... ring_allreduce STEPS [STEP_MS]
 * Each step passes a token once around the ring (every rank mixes its rank into it),
 * then MPI_Allreduce sums a per-rank value derived from the step. Rank 0 prints one
 * progress line per step and a final checksum line; the output is deterministic, so a
 * restarted run must print exactly what an uninterrupted one prints. Every STEP_MS
 * (default 40) milliseconds one step, so a checkpoint lands in the middle of the run.
 * When $MPI_TEST_STARTED is set, rank 0 creates that file after step 0 (the driver's
 * signal that every rank is inside the loop). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long mix(unsigned long h, unsigned long v) {
  h ^= v + 0x9e3779b97f4a7c15UL + (h << 6) + (h >> 2);
  return h;
}

static void sleep_ms(long ms) { /* resumes after EINTR (a restart wakes sleepers early) */
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0) {
  }
}

static unsigned long ring_pass(int rank, int size, unsigned long token) {
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  if (rank == 0) {
    token = mix(token, 1);
    MPI_Send(&token, 1, MPI_UNSIGNED_LONG, next, 7, MPI_COMM_WORLD);
    MPI_Recv(&token, 1, MPI_UNSIGNED_LONG, prev, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  } else {
    MPI_Recv(&token, 1, MPI_UNSIGNED_LONG, prev, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    token = mix(token, (unsigned long)rank + 1);
    MPI_Send(&token, 1, MPI_UNSIGNED_LONG, next, 7, MPI_COMM_WORLD);
  }
  MPI_Bcast(&token, 1, MPI_UNSIGNED_LONG, 0, MPI_COMM_WORLD);
  return token;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int steps = argc > 1 ? atoi(argv[1]) : 50;
  long step_ms = argc > 2 ? atol(argv[2]) : 40;
  const char* started = getenv("MPI_TEST_STARTED");
  unsigned long token = 0, check = 0;
  for (int s = 0; s < steps; ++s) {
    token = ring_pass(rank, size, token);
    long mine = (long)(rank + 1) * (s + 1), sum = 0;
    MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    check = mix(check, token ^ (unsigned long)sum);
    if (rank == 0) {
      printf("step %d token %016lx sum %ld\n", s, token, sum);
      fflush(stdout);
      if (s == 0 && started != NULL) {
        FILE* f = fopen(started, "w");
        if (f != NULL) fclose(f);
      }
    }
    sleep_ms(step_ms);
  }
  unsigned long lo = 0, hi = 0; /* every rank must have seen the same tokens and sums */
  MPI_Allreduce(&check, &lo, 1, MPI_UNSIGNED_LONG, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&check, &hi, 1, MPI_UNSIGNED_LONG, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0) {
    printf("ranks %d steps %d checksum %016lx %s\n", size, steps, lo, lo == hi ? "PASS" : "FAIL");
    fflush(stdout);
  }
  MPI_Finalize();
  return 0;
}
