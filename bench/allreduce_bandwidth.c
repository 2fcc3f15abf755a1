/* The gradient exchange of data-parallel cvc-train, alone. For each size
 * (MB) on the command line: the median time of the ring cvc-train runs
 * (runtime/train/mpi: point-to-point reduce-scatter along the ring with
 * the sums done here, then MPI_Allgather) and of MPI_Allreduce, and the
 * bus bandwidth each reaches, 2 (N-1)/N x bytes / time, the figure a ring
 * allreduce's cost model divides by. Rank 0 prints one JSON line.
 *
 *   mpicc -O2 allreduce_bandwidth.c -o allreduce_bandwidth
 *   mpirun -np 2 ./allreduce_bandwidth 1 45 100
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { kRuns = 15 };

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void ring(float *whole, float *incoming, size_t slice, int rank, int ranks) {
  int right = (rank + 1) % ranks, left = (rank + ranks - 1) % ranks;
  for (int s = 0; s < ranks - 1; ++s) {
    size_t out = (size_t)((rank + 2 * ranks - s - 1) % ranks), in = (size_t)((rank + 2 * ranks - s - 2) % ranks);
    MPI_Sendrecv(whole + out * slice, (int)slice, MPI_FLOAT, right, 0, incoming, (int)slice,
                 MPI_FLOAT, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (size_t i = 0; i < slice; ++i)
      whole[in * slice + i] += incoming[i];
  }
  MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, whole, (int)slice, MPI_FLOAT, MPI_COMM_WORLD);
}

/* Median seconds of `kRuns` runs of one method, the slowest rank's each. */
static double timed(int method, float *whole, float *incoming, size_t slice, int rank, int ranks) {
  double times[kRuns];
  for (int run = -2; run < kRuns; ++run) { /* two warm-up runs */
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    if (method == 0)
      ring(whole, incoming, slice, rank, ranks);
    else
      MPI_Allreduce(MPI_IN_PLACE, whole, (int)(slice * ranks), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double t = MPI_Wtime() - start;
    MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (run >= 0)
      times[run] = t;
  }
  qsort(times, kRuns, sizeof(double), compare);
  return times[kRuns / 2];
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, ranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  if (rank == 0)
    printf("{\"ranks\": %d, \"sizes\": [", ranks);
  for (int a = 1; a < argc; ++a) {
    size_t count = (size_t)(atof(argv[a]) * (1 << 20) / sizeof(float));
    size_t slice = (count + ranks - 1) / ranks;
    float *whole = calloc(slice * ranks, sizeof(float)), *incoming = calloc(slice, sizeof(float));
    double bytes = (double)slice * ranks * sizeof(float), factor = 2.0 * (ranks - 1) / ranks;
    double ringS = timed(0, whole, incoming, slice, rank, ranks);
    double libraryS = timed(1, whole, incoming, slice, rank, ranks);
    if (rank == 0)
      printf("%s{\"mb\": %s, \"ring_ms\": %.3f, \"ring_bus_gb_per_s\": %.2f, "
             "\"mpi_allreduce_ms\": %.3f, \"mpi_allreduce_bus_gb_per_s\": %.2f}",
             a > 1 ? ", " : "", argv[a], 1e3 * ringS, factor * bytes / ringS / 1e9,
             1e3 * libraryS, factor * bytes / libraryS / 1e9);
    free(whole);
    free(incoming);
  }
  if (rank == 0)
    printf("]}\n");
  MPI_Finalize();
  return 0;
}
