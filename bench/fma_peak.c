/*===- fma_peak.c - this machine's fp32 FMA peak, measured ----------------===*
 *
 *   cc -O2 -pthread bench/fma_peak.c -o fma_peak && ./fma_peak [THREADS...]
 *
 * Each thread runs a register-resident loop of 12 independent fp32 FMAs
 * (tools/common/FmaPeak.c). Threads default to 1 and every core this
 * process may run on.
 *
 * Prints one JSON object: the ISA, the clock it read, and per thread count
 * the best of a few runs in GFLOP/s (an FMA is 2 flops), with the peak
 * expected at that clock for 1 and 2 FMA units per core and which one the
 * measurement matches. Nothing about the CPU or its timing is assumed.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
/* The loops and their timing, shared with `cvc-run --profile`. */
#include "../tools/common/FmaPeak.c"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The unit count (1 or 2) whose peak `gflops` is nearest to, by ratio. */
static int nearest_units(double gflops, double one_unit, double *out_ratio) {
  double r1 = gflops / one_unit, r2 = gflops / (2 * one_unit);
  int units = fabs(log(r1)) < fabs(log(r2)) ? 1 : 2;
  *out_ratio = units == 1 ? r1 : r2;
  return units;
}

int main(int argc, char **argv) {
  fma_peak_loop fma;
  int lanes;
  const char *isa;
  if (!fma_peak_select(&fma, &lanes, &isa)) {
    fprintf(stderr, "fma_peak: error: the CPU has neither AVX-512 nor AVX2+FMA\n");
    return 1;
  }
  int cpus[CPU_SETSIZE];
  int ncpus = fma_peak_allowed_cpus(cpus, CPU_SETSIZE);
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

  uint64_t fma_trips = fma_peak_calibrate(fma, cpus, ncpus),
           clock_trips = fma_peak_calibrate(fma_peak_clock_loop, cpus, ncpus);
  /* One core's clock with the others idle; all-core turbo sits a little below. */
  double solo_mhz = fma_peak_best_rate(fma_peak_clock_loop, 1, clock_trips, cpus, ncpus) * FMA_PEAK_CLOCK_ADDS / 1e6;
  const char *source;
  double listed_mhz = clock_mhz(&source);
  printf("{\"isa\": \"%s\", \"lanes\": %d, \"accumulators\": %d, \"cpus\": %d, "
         "\"listed_clock_mhz\": %.1f, \"clock_source\": \"%s\", \"solo_clock_mhz\": %.1f, "
         "\"runs\": [",
         isa, lanes, FMA_PEAK_ACCUMULATORS, ncpus, listed_mhz, source, solo_mhz);
  for (int i = 0; i < ncounts; ++i) {
    int threads = counts[i];
    /* Threads beyond the cores share them and add no FMA units. */
    int cores = ncpus > 0 && threads > ncpus ? ncpus : threads;
    double gflops =
        fma_peak_best_rate(fma, threads, fma_trips, cpus, ncpus) * 2.0 * lanes * FMA_PEAK_ACCUMULATORS / 1e9;
    double mhz =
        fma_peak_best_rate(fma_peak_clock_loop, threads, clock_trips, cpus, ncpus) * FMA_PEAK_CLOCK_ADDS / cores / 1e6;
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
