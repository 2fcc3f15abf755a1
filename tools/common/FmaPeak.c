/*===- FmaPeak.c - this machine's fp32 FMA peak, measured ----------------===*
 *
 * Each thread runs a register-resident loop of 12 independent fp32 FMAs
 * (vfmadd231ps on zmm with AVX-512, else on ymm with AVX2+FMA). The loop is
 * inline assembly because a C loop lets the compiler fold or shorten it and
 * report nonsense. 12 accumulators cover an FMA latency of 4-6 cycles on two
 * FMA units. Shared by bench/fma_peak.c (the benchmark's plausibility
 * report) and `cvc-run --profile` (each kernel's % of peak).
 *
 *===----------------------------------------------------------------------===*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "FmaPeak.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { REPEATS = 3 };
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
void fma_peak_clock_loop(uint64_t iterations) {
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

int fma_peak_allowed_cpus(int *cpus, int max) {
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

/* Loop trips that take about TARGET_SECONDS on one thread. */
uint64_t fma_peak_calibrate(void (*loop)(uint64_t), const int *cpus, int ncpus) {
  uint64_t iterations = 1 << 16;
  double seconds;
  while ((seconds = run(loop, 1, iterations, cpus, ncpus)) < 0.05)
    iterations *= 2;
  return (uint64_t)(iterations * TARGET_SECONDS / seconds) + 1;
}

/* Loop trips per second, all threads together, best of REPEATS: noise only
 * ever slows a run down. */
double fma_peak_best_rate(void (*loop)(uint64_t), int threads, uint64_t iterations, const int *cpus,
                        int ncpus) {
  double best = 0;
  for (int r = 0; r < REPEATS; ++r) {
    double rate = threads * (double)iterations / run(loop, threads, iterations, cpus, ncpus);
    best = rate > best ? rate : best;
  }
  return best;
}


int fma_peak_select(fma_peak_loop *loop, int *lanes, const char **isa) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    *loop = loop_zmm, *lanes = 16, *isa = "avx512f";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    *loop = loop_ymm, *lanes = 8, *isa = "avx2";
  } else {
    return 0;
  }
  return 1;
}

double fma_peak_gflops(int threads) {
  fma_peak_loop loop;
  int lanes;
  const char *isa;
  if (threads < 1 || !fma_peak_select(&loop, &lanes, &isa))
    return 0.0;
  int cpus[CPU_SETSIZE];
  int ncpus = fma_peak_allowed_cpus(cpus, CPU_SETSIZE);
  uint64_t trips = fma_peak_calibrate(loop, cpus, ncpus);
  return fma_peak_best_rate(loop, threads, trips, cpus, ncpus) * 2.0 * lanes * FMA_PEAK_ACCUMULATORS /
         1e9;
}
