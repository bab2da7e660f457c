// tests/multihost/mpi_ring.cpp: an MPI job for the mpi_rsh scenario. Every rank sums
// rank+1 with MPI_Allreduce; rank 0 then creates $MPI_RING_READY, every rank waits until
// $MPI_RING_GO exists (the driver inspects the coordinator's members meanwhile), and each
// prints its host and the sum. Usage: mpirun ... mpi_ring
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  long v = rank + 1, sum = 0;
  MPI_Allreduce(&v, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  const char* ctl = std::getenv("MPI_RING_READY");
  if (rank == 0 && ctl != nullptr) {  // tell the driver, then wait for its "go"
    std::FILE* f = std::fopen(ctl, "w");
    if (f != nullptr) std::fclose(f);
  }
  const char* go = std::getenv("MPI_RING_GO");
  for (int i = 0; go != nullptr && access(go, F_OK) != 0 && i < 600; ++i) {
    usleep(100000);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  long expect = static_cast<long>(size) * (size + 1) / 2;
  std::printf("rank %d/%d host=%s sum=%ld %s\n", rank, size, host, sum,
              sum == expect ? "OK" : "BAD");
  MPI_Finalize();
  return sum == expect ? 0 : 1;
}
