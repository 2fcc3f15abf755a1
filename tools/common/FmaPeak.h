/*===- FmaPeak.h - this machine's fp32 FMA peak, measured ---------*- C -*-===*/
#ifndef CVC_TOOLS_FMAPEAK_H
#define CVC_TOOLS_FMAPEAK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { FMA_PEAK_ACCUMULATORS = 12 };
/** Register adds per trip of fma_peak_clock_loop. */
enum { FMA_PEAK_CLOCK_ADDS = 12 };

typedef void (*fma_peak_loop)(uint64_t iterations);

/** The widest FMA loop this CPU runs (AVX-512, else AVX2+FMA); 0 if none. */
int fma_peak_select(fma_peak_loop *loop, int *lanes, const char **isa);
/** A chain of dependent adds at one per cycle: its rate is the clock. */
void fma_peak_clock_loop(uint64_t iterations);
/** The CPUs this process may run on, at most `max`. */
int fma_peak_allowed_cpus(int *cpus, int max);
/** Loop trips that take a few tenths of a second on one thread. */
uint64_t fma_peak_calibrate(fma_peak_loop loop, const int *cpus, int ncpus);
/** Loop trips per second over `threads` pinned threads, best of 3 runs. */
double fma_peak_best_rate(fma_peak_loop loop, int threads, uint64_t iterations, const int *cpus,
                          int ncpus);
/** The fp32 FMA peak of `threads` threads in GFLOP/s (about 1 s to
 *  measure); 0 without AVX-512 or AVX2+FMA. */
double fma_peak_gflops(int threads);

#ifdef __cplusplus
}
#endif

#endif /* CVC_TOOLS_FMAPEAK_H */
