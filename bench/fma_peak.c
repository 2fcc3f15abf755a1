/*===- fma_peak.c - this machine's fp32 FMA peak, measured ----------------===*
 *
 *   cc -O2 -pthread bench/fma_peak.c -o fma_peak && ./fma_peak [THREADS...]
 *
 * Each thread runs a register-resident loop of 12 independent fp32 FMAs
 * (vfmadd231ps on zmm with AVX-512, else on ymm with AVX2+FMA). The loop is
 * inline assembly because a C loop lets the compiler fold or shorten it and
 * report nonsense. 12 accumulators cover an FMA latency of 4-6 cycles on two
 * FMA units. Threads default to 1 and every core this process may run on.
 *
 * Prints one JSON object: the ISA, the clock it read, and per thread count
 * the best of a few runs in GFLOP/s (an FMA is 2 flops), with the peak
 * expected at that clock for 1 and 2 FMA units per core and which one the
 * measurement matches. Nothing about the CPU or its timing is assumed.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ACCUMULATORS = 12, REPEATS = 3 };
/* Long enough per run to dwarf thread start-up and timer resolution. */
static const double TARGET_SECONDS = 0.3;

#define FMA12(REG)                                                                                 \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "0\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "1\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "2\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "3\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "4\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "5\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "6\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "7\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "8\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "9\n\t"                                           \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "10\n\t"                                          \
  "vfmadd231ps %%" REG "12, %%" REG "13, %%" REG "11\n\t"

#define CLOBBERS                                                                                   \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",         \
      "xmm11", "xmm12", "xmm13", "cc"

/* Operands are zero (vxorps on xmm clears the whole register), so no
 * denormals or infinities can slow the loop down. */
#define ZERO_ALL                                                                                   \
  "vxorps %%xmm0, %%xmm0, %%xmm0\n\tvxorps %%xmm1, %%xmm1, %%xmm1\n\t"                             \
  "vxorps %%xmm2, %%xmm2, %%xmm2\n\tvxorps %%xmm3, %%xmm3, %%xmm3\n\t"                             \
  "vxorps %%xmm4, %%xmm4, %%xmm4\n\tvxorps %%xmm5, %%xmm5, %%xmm5\n\t"                             \
  "vxorps %%xmm6, %%xmm6, %%xmm6\n\tvxorps %%xmm7, %%xmm7, %%xmm7\n\t"                             \
  "vxorps %%xmm8, %%xmm8, %%xmm8\n\tvxorps %%xmm9, %%xmm9, %%xmm9\n\t"                             \
  "vxorps %%xmm10, %%xmm10, %%xmm10\n\tvxorps %%xmm11, %%xmm11, %%xmm11\n\t"                       \
  "vxorps %%xmm12, %%xmm12, %%xmm12\n\tvxorps %%xmm13, %%xmm13, %%xmm13\n\t"

__attribute__((target("avx512f"))) static void loop_zmm(uint64_t iterations) {
  __asm__ volatile(ZERO_ALL "1:\n\t" FMA12("zmm") "dec %0\n\tjnz 1b\n\tvzeroupper"
                   : "+r"(iterations)
                   :
                   : CLOBBERS);
}

__attribute__((target("avx2,fma"))) static void loop_ymm(uint64_t iterations) {
  __asm__ volatile(ZERO_ALL "1:\n\t" FMA12("ymm") "dec %0\n\tjnz 1b\n\tvzeroupper"
                   : "+r"(iterations)
                   :
                   : CLOBBERS);
}

/* A chain of dependent register adds runs at one per cycle on every x86
 * core (unlike add-immediate, which newer cores fold at rename), so its rate
 * is the clock the cores really run at: the listed clock is often the base
 * clock, below turbo. */
static void loop_clock(uint64_t iterations) {
  uint64_t x = 0, y = 1;
  __asm__ volatile("1:\n\t"
                   "add %2, %1\n\tadd %2, %1\n\tadd %2, %1\n\tadd %2, %1\n\t"
                   "add %2, %1\n\tadd %2, %1\n\tadd %2, %1\n\tadd %2, %1\n\t"
                   "add %2, %1\n\tadd %2, %1\n\tadd %2, %1\n\tadd %2, %1\n\t"
                   "dec %0\n\tjnz 1b"
                   : "+r"(iterations), "+r"(x)
                   : "r"(y)
                   : "cc");
}
enum { CLOCK_ADDS = 12 };

typedef struct {
  void (*loop)(uint64_t);
  pthread_barrier_t *start;
  uint64_t iterations;
  int cpu; /* -1: leave placement to the scheduler */
} worker_args;

static void *worker(void *p) {
  worker_args *a = p;
  if (a->cpu >= 0) {
    /* Pinning keeps two threads from sharing a core while another idles. */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(a->cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  pthread_barrier_wait(a->start);
  a->loop(a->iterations);
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int allowed_cpus(int *cpus, int max) {
  cpu_set_t set;
  int n = 0;
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    return 0;
  for (int c = 0; c < CPU_SETSIZE && n < max; ++c)
    if (CPU_ISSET(c, &set))
      cpus[n++] = c;
  return n;
}

/* Seconds for `threads` threads each running `iterations` loop trips. */
static double run(void (*loop)(uint64_t), int threads, uint64_t iterations, const int *cpus,
                  int ncpus) {
  pthread_t tid[threads];
  worker_args args[threads];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, threads + 1);
  for (int t = 0; t < threads; ++t) {
    args[t] = (worker_args){loop, &start, iterations, ncpus > 0 ? cpus[t % ncpus] : -1};
    if (pthread_create(&tid[t], NULL, worker, &args[t]) != 0) {
      perror("fma_peak: pthread_create");
      exit(1);
    }
  }
  pthread_barrier_wait(&start);
  double t0 = now();
  for (int t = 0; t < threads; ++t)
    pthread_join(tid[t], NULL);
  double seconds = now() - t0;
  pthread_barrier_destroy(&start);
  return seconds;
}

/* The highest clock the OS reports, in MHz, and where it came from. */
static double clock_mhz(const char **source) {
  FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "r");
  double khz = 0;
  if (f) {
    if (fscanf(f, "%lf", &khz) != 1)
      khz = 0;
    fclose(f);
    if (khz > 0) {
      *source = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
      return khz / 1e3;
    }
  }
  double best = 0;
  char line[256];
  if ((f = fopen("/proc/cpuinfo", "r"))) {
    while (fgets(line, sizeof line, f)) {
      double mhz;
      if (strncmp(line, "cpu MHz", 7) == 0 && sscanf(strchr(line, ':') + 1, "%lf", &mhz) == 1 &&
          mhz > best)
        best = mhz;
    }
    fclose(f);
  }
  *source = "/proc/cpuinfo cpu MHz";
  return best;
}

/* Loop trips that take about TARGET_SECONDS on one thread. */
static uint64_t calibrate(void (*loop)(uint64_t), const int *cpus, int ncpus) {
  uint64_t iterations = 1 << 16;
  double seconds;
  while ((seconds = run(loop, 1, iterations, cpus, ncpus)) < 0.05)
    iterations *= 2;
  return (uint64_t)(iterations * TARGET_SECONDS / seconds) + 1;
}

/* Loop trips per second, all threads together, best of REPEATS: noise only
 * ever slows a run down. */
static double best_rate(void (*loop)(uint64_t), int threads, uint64_t iterations, const int *cpus,
                        int ncpus) {
  double best = 0;
  for (int r = 0; r < REPEATS; ++r) {
    double rate = threads * (double)iterations / run(loop, threads, iterations, cpus, ncpus);
    best = rate > best ? rate : best;
  }
  return best;
}

/* The unit count (1 or 2) whose peak `gflops` is nearest to, by ratio. */
static int nearest_units(double gflops, double one_unit, double *out_ratio) {
  double r1 = gflops / one_unit, r2 = gflops / (2 * one_unit);
  int units = fabs(log(r1)) < fabs(log(r2)) ? 1 : 2;
  *out_ratio = units == 1 ? r1 : r2;
  return units;
}

int main(int argc, char **argv) {
  __builtin_cpu_init();
  void (*fma)(uint64_t);
  int lanes;
  const char *isa;
  if (__builtin_cpu_supports("avx512f")) {
    fma = loop_zmm, lanes = 16, isa = "avx512f";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    fma = loop_ymm, lanes = 8, isa = "avx2";
  } else {
    fprintf(stderr, "fma_peak: error: the CPU has neither AVX-512 nor AVX2+FMA\n");
    return 1;
  }
  int cpus[CPU_SETSIZE];
  int ncpus = allowed_cpus(cpus, CPU_SETSIZE);
  int counts[64], ncounts = 0;
  for (int i = 1; i < argc && ncounts < 64; ++i) {
    int t = atoi(argv[i]);
    if (t < 1) {
      fprintf(stderr, "usage: fma_peak [THREADS...]\n");
      return 1;
    }
    counts[ncounts++] = t;
  }
  if (ncounts == 0) {
    counts[ncounts++] = 1;
    if (ncpus > 1)
      counts[ncounts++] = ncpus;
  }

  uint64_t fma_trips = calibrate(fma, cpus, ncpus),
           clock_trips = calibrate(loop_clock, cpus, ncpus);
  /* One core's clock with the others idle; all-core turbo sits a little below. */
  double solo_mhz = best_rate(loop_clock, 1, clock_trips, cpus, ncpus) * CLOCK_ADDS / 1e6;
  const char *source;
  double listed_mhz = clock_mhz(&source);
  printf("{\"isa\": \"%s\", \"lanes\": %d, \"accumulators\": %d, \"cpus\": %d, "
         "\"listed_clock_mhz\": %.1f, \"clock_source\": \"%s\", \"solo_clock_mhz\": %.1f, "
         "\"runs\": [",
         isa, lanes, ACCUMULATORS, ncpus, listed_mhz, source, solo_mhz);
  for (int i = 0; i < ncounts; ++i) {
    int threads = counts[i];
    /* Threads beyond the cores share them and add no FMA units. */
    int cores = ncpus > 0 && threads > ncpus ? ncpus : threads;
    double gflops =
        best_rate(fma, threads, fma_trips, cpus, ncpus) * 2.0 * lanes * ACCUMULATORS / 1e9;
    double mhz =
        best_rate(loop_clock, threads, clock_trips, cpus, ncpus) * CLOCK_ADDS / cores / 1e6;
    /* Peak of one FMA unit per core: lanes x 2 flops x cores x clock. */
    double one_listed = cores * lanes * 2.0 * listed_mhz / 1e3,
           one = cores * lanes * 2.0 * mhz / 1e3;
    double ratio, ratio_listed = 0;
    int units = nearest_units(gflops, one, &ratio);
    int units_listed = listed_mhz > 0 ? nearest_units(gflops, one_listed, &ratio_listed) : 0;
    /* The measured clock bounds what the FMA loop can reach; AVX-512 may run
     * somewhat below it. */
    int plausible = ratio > 0.7 && ratio < 1.1;
    /* Cycles lost to other processes show up as a low clock per core. */
    int shared = mhz < 0.7 * solo_mhz;
    char note[512];
    snprintf(note, sizeof note,
             "%d thread%s: %.1f GFLOP/s matches %d FMA unit%s per core (%.2fx their peak at the "
             "measured %.0f MHz; at the listed %.0f MHz it is %.2fx the peak of %d unit%s)%s%s",
             threads, threads == 1 ? "" : "s", gflops, units, units == 1 ? "" : "s", ratio, mhz,
             listed_mhz, ratio_listed, units_listed, units_listed == 1 ? "" : "s",
             plausible ? ""
                       : "; implausible for 1 or 2 units: the machine may be busy or throttled",
             shared ? "; the cores ran well below one core's clock: other processes were "
                      "probably using them, so this peak is too low"
                    : "");
    fprintf(stderr, "fma_peak: %s%s\n", plausible && !shared ? "" : "warning: ", note);
    printf("%s{\"threads\": %d, \"gflops\": %.2f, \"measured_clock_mhz\": %.1f, "
           "\"expected_gflops_1_unit\": %.2f, \"expected_gflops_2_units\": %.2f, "
           "\"expected_at_listed_clock_1_unit\": %.2f, \"expected_at_listed_clock_2_units\": %.2f, "
           "\"fma_units\": %d, \"ratio\": %.3f, \"plausible\": %s, \"busy\": %s, \"note\": \"%s\"}",
           i ? ", " : "", threads, gflops, mhz, one, 2 * one, one_listed, 2 * one_listed, units,
           ratio, plausible ? "true" : "false", shared ? "true" : "false", note);
  }
  printf("]}\n");
  return 0;
}
