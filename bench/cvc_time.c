/*===- cvc_time.c - time a cvc model.so through its C ABI -----------------===*
 *
 *   cc -O2 -I runtime/include bench/cvc_time.c -o cvc_time -ldl -lpthread
 *   cvc_time model.so [--input X.npy] [--batch B] [--threads N] [--warmup W]
 *            [--iterations K] [--min-iterations M] [--seconds S] [--seed S]
 *            [--output Y.npy]
 *
 * The first input is read from X.npy (float32) or filled with seeded uniform
 * values in [-1, 1) at batch B; any further inputs are always seeded. Threads
 * go to the session the way cvc-run sets them (cvc_session_options, 0 = all
 * cores). Warm-up runs W times or until S/2 seconds have passed (at least
 * once); then runs are timed until K are done, or until S seconds have passed
 * and at least M are done, so slow models do not take minutes. Prints one
 * JSON line of statistics in milliseconds, and the process's peak resident
 * memory (VmHWM) in MB; --output writes the first output.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "cvc/cvc.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The ABI functions this harness calls, looked up by name. */
// clang-format off
#define CVC_FUNCTIONS(X)                                                                           \
  X(cvc_status_message) X(cvc_status_free) X(cvc_model_get) X(cvc_model_target)                    \
  X(cvc_model_input_count) X(cvc_model_output_count) X(cvc_model_input_info)                       \
  X(cvc_model_output_info) X(cvc_model_macs_per_image) X(cvc_session_options_init)                 \
  X(cvc_session_create) X(cvc_session_free) X(cvc_session_run)
// clang-format on

#define DECLARE(f) static __typeof__(&f) p_##f;
CVC_FUNCTIONS(DECLARE)

static void die(const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  fprintf(stderr, "cvc_time: error: ");
  vfprintf(stderr, format, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static void check(cvc_status s) {
  if (s)
    die("%s", p_cvc_status_message(s));
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void *alloc(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
    die("out of memory (%zu bytes)", bytes);
  return p;
}

/* Reads a C-order float32 .npy into `t`; the caller frees t->data. */
static void read_npy(const char *path, cvc_tensor *t) {
  FILE *f = fopen(path, "rb");
  if (!f)
    die("cannot open %s", path);
  unsigned char head[12];
  if (fread(head, 1, 10, f) != 10 || memcmp(head, "\x93NUMPY", 6) != 0)
    die("%s is not a .npy file", path);
  size_t len = head[8] | head[9] << 8;
  if (head[6] >= 2) { /* versions 2 and 3 widen the header length to 4 bytes */
    if (fread(head + 10, 1, 2, f) != 2)
      die("%s: truncated header", path);
    len |= (size_t)head[10] << 16 | (size_t)head[11] << 24;
  }
  char *header = calloc(len + 1, 1);
  if (fread(header, 1, len, f) != len)
    die("%s: truncated header", path);
  if (!strstr(header, "'descr': '<f4'") || !strstr(header, "'fortran_order': False"))
    die("%s: only C-order float32 arrays are supported", path);
  const char *p = strstr(header, "'shape': (");
  if (!p)
    die("%s: no shape in the header", path);
  p += strlen("'shape': (");
  size_t count = 1;
  t->rank = 0;
  while (*p && *p != ')') {
    char *end;
    long long d = strtoll(p, &end, 10);
    if (end == p) {
      ++p;
      continue;
    }
    if (t->rank == CVC_MAX_RANK)
      die("%s: rank above %d", path, CVC_MAX_RANK);
    t->dims[t->rank++] = d;
    count *= (size_t)d;
    p = end;
  }
  free(header);
  t->type = CVC_FLOAT32;
  t->data = alloc(count * sizeof(float));
  if (fread(t->data, sizeof(float), count, f) != count)
    die("%s: expected %zu floats", path, count);
  fclose(f);
}

static void write_npy(const char *path, const cvc_tensor *t, size_t count) {
  char header[256];
  int n = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  for (int i = 0; i < t->rank; ++i)
    n += snprintf(header + n, sizeof header - n, "%lld,%s", (long long)t->dims[i],
                  i + 1 < t->rank ? " " : "");
  n += snprintf(header + n, sizeof header - n, "), }");
  /* Magic, version and length (10 bytes) plus header and newline: a multiple of 64. */
  while ((10 + n + 1) % 64)
    header[n++] = ' ';
  header[n++] = '\n';
  FILE *f = fopen(path, "wb");
  if (!f)
    die("cannot write %s", path);
  unsigned char head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, n & 0xff, n >> 8};
  fwrite(head, 1, 10, f);
  fwrite(header, 1, n, f);
  if (fwrite(t->data, sizeof(float), count, f) != count)
    die("cannot write %s", path);
  fclose(f);
}

/* Allocates `t` with the model's shape, dynamic dimensions set to `batch`. */
static size_t shape_from_info(const cvc_tensor_info *info, long batch, cvc_tensor *t) {
  size_t count = 1;
  t->type = CVC_FLOAT32;
  t->rank = info->rank;
  for (int d = 0; d < info->rank; ++d) {
    t->dims[d] = info->dims[d] < 0 ? batch : info->dims[d];
    count *= (size_t)t->dims[d];
  }
  t->data = alloc(count * sizeof(float));
  return count;
}

/* This process's peak resident memory. Not getrusage: Linux carries a
 * parent's high-water mark into a child across fork and exec, so a child of
 * a large Python process would report the parent's size. */
static double peak_rss_mb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  double kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %lf", &kb) == 1)
      break;
  if (f)
    fclose(f);
  return kb / 1024;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Percentile of sorted `v` by linear interpolation, as numpy computes it. */
static double percentile(const double *v, size_t n, double q) {
  double pos = q * (n - 1);
  size_t i = (size_t)pos;
  return i + 1 < n ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[n - 1];
}

static long count_arg(const char *flag, const char *text, long min) {
  char *end;
  long v = strtol(text, &end, 10);
  if (!*text || *end || v < min)
    die("%s expects an integer >= %ld, got '%s'", flag, min, text);
  return v;
}

int main(int argc, char **argv) {
  const char *so = NULL, *input = NULL, *output = NULL;
  long batch = 1, threads = 0, warmup = 2, iterations = 20, min_iterations = 5, seed = 0;
  double seconds = 2.0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (a[0] != '-') {
      so = a;
      continue;
    }
    if (i + 1 >= argc)
      die("%s needs a value", a);
    const char *v = argv[++i];
    if (!strcmp(a, "--input"))
      input = v;
    else if (!strcmp(a, "--output"))
      output = v;
    else if (!strcmp(a, "--batch"))
      batch = count_arg(a, v, 1);
    else if (!strcmp(a, "--threads"))
      threads = count_arg(a, v, 0);
    else if (!strcmp(a, "--warmup"))
      warmup = count_arg(a, v, 0);
    else if (!strcmp(a, "--iterations"))
      iterations = count_arg(a, v, 1);
    else if (!strcmp(a, "--min-iterations"))
      min_iterations = count_arg(a, v, 1);
    else if (!strcmp(a, "--seed"))
      seed = count_arg(a, v, 0);
    else if (!strcmp(a, "--seconds"))
      seconds = atof(v);
    else
      die("unknown option '%s'", a);
  }
  if (!so)
    die("usage: cvc_time model.so [--input X.npy] [--batch B] [--threads N] [--warmup W] "
        "[--iterations K] [--min-iterations M] [--seconds S] [--seed S] [--output Y.npy]");

  /* RTLD_LOCAL: the model exports only the ABI and should resolve nothing from us. */
  double load_start = now();
  void *lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    die("%s", dlerror());
#define LOOKUP(f)                                                                                  \
  if (!(p_##f = (__typeof__(p_##f))dlsym(lib, #f)))                                                \
    die("%s does not export %s", so, #f);
  CVC_FUNCTIONS(LOOKUP)
  const cvc_model *model;
  check(p_cvc_model_get(&model));
  double load_ms = (now() - load_start) * 1e3;

  size_t nin = p_cvc_model_input_count(model), nout = p_cvc_model_output_count(model);
  cvc_tensor *in = calloc(nin, sizeof *in), *out = calloc(nout, sizeof *out);
  size_t *out_counts = calloc(nout, sizeof *out_counts);
  unsigned long long state = (unsigned long long)seed * 2654435761u + 1;
  for (size_t i = 0; i < nin; ++i) {
    cvc_tensor_info info;
    check(p_cvc_model_input_info(model, i, &info));
    if (i == 0 && input) {
      read_npy(input, &in[0]);
      if (info.rank > 0 && info.dims[0] < 0)
        batch = (long)in[0].dims[0];
      continue;
    }
    size_t count = shape_from_info(&info, batch, &in[i]);
    float *x = in[i].data;
    for (size_t k = 0; k < count; ++k) { /* a 64-bit LCG: seeded and portable */
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      x[k] = (float)((state >> 40) * (2.0 / (1ull << 24)) - 1.0);
    }
  }
  for (size_t i = 0; i < nout; ++i) {
    cvc_tensor_info info;
    check(p_cvc_model_output_info(model, i, &info));
    out_counts[i] = shape_from_info(&info, batch, &out[i]);
  }

  cvc_session_options options;
  p_cvc_session_options_init(&options);
  options.num_threads = (int32_t)threads;
  cvc_session *session;
  check(p_cvc_session_create(model, &options, &session));

  double start = now();
  for (long i = 0; i < warmup && (i == 0 || now() - start < seconds / 2); ++i)
    check(p_cvc_session_run(session, in, nin, out, nout));
  double *times = malloc(iterations * sizeof *times);
  long n = 0;
  start = now();
  while (n < iterations && (n < min_iterations || now() - start < seconds)) {
    double t0 = now();
    check(p_cvc_session_run(session, in, nin, out, nout));
    times[n++] = (now() - t0) * 1e3;
  }
  p_cvc_session_free(session);

  double sum = 0;
  for (long i = 0; i < n; ++i)
    sum += times[i];
  qsort(times, n, sizeof *times, compare_doubles);
  printf("{\"median_ms\": %.4f, \"min_ms\": %.4f, \"max_ms\": %.4f, \"mean_ms\": %.4f, "
         "\"p10_ms\": %.4f, \"p90_ms\": %.4f, \"iterations\": %ld, \"batch\": %ld, "
         "\"threads\": %ld, \"load_ms\": %.2f, \"peak_rss_mb\": %.1f, \"macs_per_image\": %llu, "
         "\"target\": \"%s\"}\n",
         percentile(times, n, 0.5), times[0], times[n - 1], sum / n, percentile(times, n, 0.1),
         percentile(times, n, 0.9), n, batch, threads, load_ms, peak_rss_mb(),
         (unsigned long long)p_cvc_model_macs_per_image(model), p_cvc_model_target(model));
  if (output && nout > 0)
    write_npy(output, &out[0], out_counts[0]);
  return 0;
}
