/* A plain C host for a cvc model.so: load it, describe it, run it.
 *
 *   cvc-example-c model.so [input.f32]
 *
 * input.f32, if given, holds the first input's float32 values for batch 1
 * (raw, row-major); otherwise a fixed pattern is used. Prints the top-5
 * entries of the first output and the median time of 10 runs. */
#include <cvc/cvc.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each model.so exports the same names, so a host reaches them via dlsym. */
#define LOAD(lib, fn) ((__typeof__(&fn))dlsym(lib, #fn))

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Fills a tensor for `info` at batch 1 and returns its element count. */
static size_t shape_for_batch1(const cvc_tensor_info *info, cvc_tensor *t) {
  size_t count = 1;
  t->type = CVC_FLOAT32;
  t->rank = info->rank;
  for (int i = 0; i < info->rank; ++i) {
    t->dims[i] = info->dims[i] < 0 ? 1 : info->dims[i];
    count *= (size_t)t->dims[i];
  }
  return count;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s model.so [input.f32]\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "error: %s\n", dlerror());
    return 1;
  }
  __typeof__(&cvc_abi_version) abi_version = LOAD(lib, cvc_abi_version);
  __typeof__(&cvc_model_get) model_get = LOAD(lib, cvc_model_get);
  __typeof__(&cvc_model_input_info) input_info = LOAD(lib, cvc_model_input_info);
  __typeof__(&cvc_model_output_info) output_info = LOAD(lib, cvc_model_output_info);
  __typeof__(&cvc_model_input_count) input_count = LOAD(lib, cvc_model_input_count);
  __typeof__(&cvc_model_output_count) output_count = LOAD(lib, cvc_model_output_count);
  __typeof__(&cvc_session_create) session_create = LOAD(lib, cvc_session_create);
  __typeof__(&cvc_session_run) session_run = LOAD(lib, cvc_session_run);
  __typeof__(&cvc_session_free) session_free = LOAD(lib, cvc_session_free);
  __typeof__(&cvc_status_message) status_message = LOAD(lib, cvc_status_message);
  __typeof__(&cvc_status_free) status_free = LOAD(lib, cvc_status_free);
  if (!abi_version || !model_get || !session_run || !status_free) {
    fprintf(stderr, "error: %s is not a cvc model\n", argv[1]);
    return 1;
  }
  printf("cvc ABI version %u\n", abi_version());

  const cvc_model *model = NULL;
  cvc_status status = model_get(&model);
  if (status) {
    fprintf(stderr, "error: %s\n", status_message(status));
    status_free(status);
    return 1;
  }
  size_t n_in = input_count(model), n_out = output_count(model);
  cvc_tensor *inputs = calloc(n_in, sizeof(cvc_tensor));
  cvc_tensor *outputs = calloc(n_out, sizeof(cvc_tensor));
  size_t first_output_count = 0;
  for (size_t i = 0; i < n_in + n_out; ++i) {
    int is_input = i < n_in;
    cvc_tensor_info info;
    status = is_input ? input_info(model, i, &info) : output_info(model, i - n_in, &info);
    if (status) {
      fprintf(stderr, "error: %s\n", status_message(status));
      status_free(status);
      return 1;
    }
    cvc_tensor *t = is_input ? &inputs[i] : &outputs[i - n_in];
    size_t count = shape_for_batch1(&info, t);
    printf("%s %s [", is_input ? "input " : "output", info.name);
    for (int d = 0; d < info.rank; ++d)
      printf(d ? ",%lld" : "%lld", (long long)info.dims[d]);
    printf("]\n");
    float *data = malloc(count * sizeof(float));
    if (!data)
      return 1;
    for (size_t j = 0; j < count; ++j)
      data[j] = (float)((j % 17) / 17.0 - 0.5);
    if (is_input && i == 0 && argc > 2) {
      FILE *f = fopen(argv[2], "rb");
      if (!f || fread(data, sizeof(float), count, f) != count) {
        fprintf(stderr, "error: %s does not hold %zu float32 values\n", argv[2], count);
        return 1;
      }
      fclose(f);
    }
    if (!is_input && i == n_in)
      first_output_count = count;
    t->data = data;
  }

  cvc_session *session = NULL;
  status = session_create(model, NULL, &session);
  double times[10];
  for (int r = 0; r < 10 && !status; ++r) {
    double start = now_ms();
    status = session_run(session, inputs, n_in, outputs, n_out);
    times[r] = now_ms() - start;
  }
  if (status) {
    fprintf(stderr, "error: %s\n", status_message(status));
    status_free(status);
    return 1;
  }
  qsort(times, 10, sizeof(double), compare_doubles);

  /* Top-5 of the first output. */
  const float *y = outputs[0].data;
  int top[5] = {-1, -1, -1, -1, -1};
  for (size_t j = 0; j < first_output_count; ++j)
    for (int k = 0; k < 5; ++k)
      if (top[k] < 0 || y[j] > y[top[k]]) {
        memmove(&top[k + 1], &top[k], (4 - k) * sizeof(int));
        top[k] = (int)j;
        break;
      }
  printf("top-5:");
  for (int k = 0; k < 5 && top[k] >= 0; ++k)
    printf(" %d (%.4f)", top[k], y[top[k]]);
  printf("\nmedian of 10 runs: %.3f ms\n", (times[4] + times[5]) / 2);

  session_free(session);
  for (size_t i = 0; i < n_in; ++i)
    free(inputs[i].data);
  for (size_t i = 0; i < n_out; ++i)
    free(outputs[i].data);
  free(inputs);
  free(outputs);
  dlclose(lib);
  return 0;
}
