/*===- cvc.h - the C ABI of a cvc-compiled model ------------------------===*
 *
 * Every model.so that cvc produces exports exactly these functions and
 * nothing else, so several models (an ensemble) can be loaded into one
 * process side by side. A host dlopen()s the library and calls them directly,
 * or through dlsym().
 *
 * Conventions:
 *  - Fallible functions return a cvc_status: NULL means success; otherwise the
 *    caller owns the status, reads it with cvc_status_message() and releases
 *    it with cvc_status_free().
 *  - out_ parameters come last.
 *  - Tensors are dense, row-major (C order), float32 unless their element
 *    type says otherwise; the caller owns every buffer it passes in.
 *
 *===----------------------------------------------------------------------===*/
#ifndef CVC_CVC_H
#define CVC_CVC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped whenever a function or struct below changes incompatibly. */
#define CVC_ABI_VERSION 7

/** Largest rank a model tensor may have. */
#define CVC_MAX_RANK 8

#if defined(__GNUC__)
#define CVC_EXPORT __attribute__((visibility("default")))
#define CVC_MUST_USE __attribute__((warn_unused_result))
#else
#define CVC_EXPORT
#define CVC_MUST_USE
#endif

/** Opaque error: NULL is success. */
typedef struct cvc_status_s *cvc_status;

typedef enum cvc_status_code {
  CVC_OK = 0,
  CVC_INVALID_ARGUMENT = 1, /**< wrong shape, null buffer, bad index */
  CVC_OUT_OF_MEMORY = 2,
  CVC_INTERNAL = 3,         /**< a generated kernel reported an error */
  CVC_UNSUPPORTED = 4,      /**< e.g. the CPU lacks features the model was compiled for */
  CVC_DEVICE_UNAVAILABLE = 5, /**< a GPU model found no driver, no device, or not the one asked for */
} cvc_status_code;

typedef enum cvc_element_type {
  CVC_FLOAT32 = 1,
} cvc_element_type;

/** Description of one model input or output. */
typedef struct cvc_tensor_info {
  const char *name;       /**< owned by the model, valid while it is loaded */
  cvc_element_type type;
  int32_t rank;
  /** Extents; -1 marks a dynamic dimension: the batch (dims[0]), and in a
   *  model with several shape variants any extent in which they differ. */
  int64_t dims[CVC_MAX_RANK];
} cvc_tensor_info;

/** A caller-owned tensor passed to cvc_session_run. */
typedef struct cvc_tensor {
  void *data;             /**< dense row-major; 64-byte alignment is fastest */
  cvc_element_type type;
  int32_t rank;
  int64_t dims[CVC_MAX_RANK];
} cvc_tensor;

/** The model compiled into this library; static, never freed. */
typedef struct cvc_model_s cvc_model;
/** Working state for running the model: scratch memory, thread settings. */
typedef struct cvc_session_s cvc_session;

typedef struct cvc_session_options {
  /**
   * Threads that run the session's kernels, the thread calling the session
   * included: the session starts num_threads - 1 workers of its own, which
   * its runs and the weights it computes when created use, and no other
   * session does. 0 means one per core this process may run on (its CPU
   * affinity); at most 256 (larger values are clamped). Sessions running
   * at the same time each use theirs: a host running several at once
   * divides the cores between them.
   */
  int32_t num_threads;
  /**
   * The GPU a model compiled for one (cvc_model_device) runs on: the CUDA
   * device ordinal, 0 by default. CPU models ignore it.
   */
  int32_t device_ordinal;
} cvc_session_options;

/** The ABI version this library implements (CVC_ABI_VERSION when built). */
CVC_EXPORT uint32_t cvc_abi_version(void);

/** Code of a status; CVC_OK for NULL. */
CVC_EXPORT cvc_status_code cvc_status_code_of(cvc_status status);
/** Message of a status, owned by the status; "" for NULL. */
CVC_EXPORT const char *cvc_status_message(cvc_status status);
/** Releases a status; NULL is allowed. */
CVC_EXPORT void cvc_status_free(cvc_status status);

/** The model in this library. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_model_get(const cvc_model **out_model);
/** The model's name (the source file's stem unless set at compile time). */
CVC_EXPORT const char *cvc_model_name(const cvc_model *model);
/** The Halide target the kernels were compiled for, e.g. "x86-64-linux-avx512". */
CVC_EXPORT const char *cvc_model_target(const cvc_model *model);
/** Where the kernels run: "cpu", or "cuda" for a model compiled with
 *  `cvc --target cuda`, whose sessions need an NVIDIA driver and GPU. */
CVC_EXPORT const char *cvc_model_device(const cvc_model *model);
CVC_EXPORT size_t cvc_model_input_count(const cvc_model *model);
CVC_EXPORT size_t cvc_model_output_count(const cvc_model *model);
CVC_EXPORT CVC_MUST_USE cvc_status cvc_model_input_info(const cvc_model *model, size_t index,
                                                        cvc_tensor_info *out_info);
CVC_EXPORT CVC_MUST_USE cvc_status cvc_model_output_info(const cvc_model *model, size_t index,
                                                         cvc_tensor_info *out_info);
/** Multiply-accumulates of one inference of one image (batch 1); of the
 *  first variant when the model has several. */
CVC_EXPORT uint64_t cvc_model_macs_per_image(const cvc_model *model);

/*===-------------------------------------------------------------------===*
 * Shape variants. A model compiled with several shapes for an input
 * (`cvc --input-shape x=1,3,480,640 --input-shape x=1,3,640,480`) holds one
 * plan per shape set, a variant; each run takes the variant its inputs'
 * shapes match (any other shape is refused, naming the shapes compiled).
 * The model's info functions report -1 for the extents in which variants
 * differ. cvc_model_variant gives a model handle limited to one variant:
 * its info functions report that variant's shapes, and a session created
 * on it prepares and runs that variant alone (a session on the whole model
 * prepares every variant when it is created).
 *===-------------------------------------------------------------------===*/

/** Number of shape variants: 1 for a model compiled with one shape per
 *  input, and for a handle from cvc_model_variant. */
CVC_EXPORT size_t cvc_model_variant_count(const cvc_model *model);
/** The model limited to variant `variant` (0 is the first shape given);
 *  static like the model. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_model_variant(const cvc_model *model, size_t variant,
                                                     const cvc_model **out_variant);

/** Sensible defaults: all cores. */
CVC_EXPORT void cvc_session_options_init(cvc_session_options *out_options);

/**
 * Creates a session. `options` may be NULL for defaults. The caller owns the
 * session and releases it with cvc_session_free().
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_session_create(const cvc_model *model,
                                                      const cvc_session_options *options,
                                                      cvc_session **out_session);
CVC_EXPORT void cvc_session_free(cvc_session *session);

/**
 * Runs the model: reads `inputs` (in the model's input order), writes
 * `outputs` (in output order). Shapes are checked against the model; the
 * batch dimension may take any value >= 1 when it is dynamic, and it must
 * then be the same in every input and output.
 *
 * Several threads may call this on one session at once: the calls are
 * serialised on the session (each one runs with all of the session's
 * threads). For concurrent inference, give each thread its own session.
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_session_run(cvc_session *session, const cvc_tensor *inputs,
                                                   size_t input_count, cvc_tensor *outputs,
                                                   size_t output_count);

/*===-------------------------------------------------------------------===*
 * Entry points. Every model has "main" (entry 0, what cvc_session_run runs);
 * one compiled with `cvc --train` also has "train_step": inputs are the
 * model's inputs at the training batch, "labels" ([N] class indices as
 * floats) and the optimizer's scalars ("learning_rate", and for Adam
 * "step", the 1-based step count); outputs are "loss" ([1]) and
 * "logits". It updates the session's states (parameters, optimizer slots,
 * batch-norm statistics) in place; "main" then infers with them.
 * The same step comes in two halves too, for hosts that combine gradients
 * between them (data-parallel training averages them across processes):
 * "train_gradients" takes train_step's inputs but the optimizer's scalars
 * (dropout models keep "step", and take "sample_offset": the index of the
 * first of the caller's samples in the global batch, so that the masks are
 * those of one run over the whole batch) and returns "loss", "logits" and
 * "gradients" ([P], P = the "parameters" state's elements, in its layout),
 * updating only the batch-norm statistics; "apply_gradients" takes
 * "gradients" and the optimizer's scalars and updates the parameters and
 * optimizer slots as train_step would have.
 *===-------------------------------------------------------------------===*/

CVC_EXPORT size_t cvc_model_entry_count(const cvc_model *model);
/** Name of an entry; "" when out of range. */
CVC_EXPORT const char *cvc_model_entry_name(const cvc_model *model, size_t entry);
CVC_EXPORT CVC_MUST_USE cvc_status cvc_model_find_entry(const cvc_model *model, const char *name,
                                                        size_t *out_entry);
CVC_EXPORT size_t cvc_model_entry_input_count(const cvc_model *model, size_t entry);
CVC_EXPORT size_t cvc_model_entry_output_count(const cvc_model *model, size_t entry);
CVC_EXPORT CVC_MUST_USE cvc_status cvc_model_entry_input_info(const cvc_model *model, size_t entry,
                                                              size_t index,
                                                              cvc_tensor_info *out_info);
CVC_EXPORT CVC_MUST_USE cvc_status cvc_model_entry_output_info(const cvc_model *model,
                                                               size_t entry, size_t index,
                                                               cvc_tensor_info *out_info);
/** cvc_session_run for any entry. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_session_run_entry(cvc_session *session, size_t entry,
                                                         const cvc_tensor *inputs,
                                                         size_t input_count, cvc_tensor *outputs,
                                                         size_t output_count);

/**
 * Told, during a run, that elements [first, first + count) of the run's
 * output `output` (its index among the entry's outputs, counting float32
 * elements in row-major order) hold their final values: no later kernel of
 * the run writes them. A data-parallel host starts exchanging a
 * gradient's part while the backward pass computes the rest.
 */
typedef void (*cvc_output_ready_fn)(void *user_data, size_t output, size_t first, size_t count);

/**
 * Calls `fn` (NULL: nothing) during each later run of the session, on the
 * thread that called cvc_session_run_entry, after the kernel that completes
 * each part: every element of every output is reported exactly once per
 * successful run, the last part before the run returns. A part written by
 * a kernel whose writes cannot be told apart by ranges (a strided view) is
 * reported with the rest of its output after the last kernel writing any
 * of it. `fn` must not call into the session, nor throw. A run that fails
 * after some parts were reported leaves the outputs undefined. While `fn`
 * is set, every kernel runs on the whole batch (none image by image).
 */
CVC_EXPORT void cvc_session_set_output_ready(cvc_session *session, cvc_output_ready_fn fn,
                                             void *user_data);

/*===-------------------------------------------------------------------===*
 * States: flat float32 buffers a session keeps across runs (a model
 * compiled to train: "parameters", optimizer slots such as "momentum",
 * "statistics"). Slices name the tensors inside them (e.g. "conv1.weight"
 * at some offset of "parameters"): checkpoints and weight exports read the
 * states and the slice table.
 *===-------------------------------------------------------------------===*/

typedef struct cvc_state_info {
  const char *name;
  uint64_t elements;
} cvc_state_info;

typedef struct cvc_slice_info {
  const char *name;
  int32_t state;          /**< index of the state holding it */
  uint64_t offset;        /**< in elements */
  int32_t rank;
  int64_t dims[CVC_MAX_RANK];
} cvc_slice_info;

CVC_EXPORT size_t cvc_model_state_count(const cvc_model *model);
CVC_EXPORT CVC_MUST_USE cvc_status cvc_model_state_info(const cvc_model *model, size_t index,
                                                        cvc_state_info *out_info);
CVC_EXPORT size_t cvc_model_slice_count(const cvc_model *model);
CVC_EXPORT CVC_MUST_USE cvc_status cvc_model_slice_info(const cvc_model *model, size_t index,
                                                        cvc_slice_info *out_info);
/** Copies a whole state out of (read) or into (write) the session; `count`
 *  must be its element count. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_session_read_state(cvc_session *session, size_t index,
                                                          float *data, uint64_t count);
CVC_EXPORT CVC_MUST_USE cvc_status cvc_session_write_state(cvc_session *session, size_t index,
                                                           const float *data, uint64_t count);

/** Per-kernel profile of the session's last run, for `cvc-run --profile`
 *  (with several shape variants: the kernels of the variant last run, or
 *  of the first before any run). */
typedef struct cvc_kernel_profile {
  const char *name;  /**< kernel name, e.g. "conv2d_3" */
  const char *ops;   /**< the cv ops it computes, e.g. "cv.conv2d" */
  double seconds;    /**< wall time of the last run */
  uint64_t macs;     /**< multiply-accumulates at the last run's batch */
  const char *schedule; /**< the schedule the compiler chose, e.g. "blocked block=16 columns=8 ..." */
  /** Distinct threads of the session that ran its parallel loops in the
   *  last run (1: the calling thread alone); 0 when it did not run. */
  int32_t threads;
  /** Where the schedule came from: "default" (the compiler's heuristics),
   *  "database" (cvc --tuning-db: a measured point for this kernel) or
   *  "warm start" (the point tuned for the nearest kernel of the same op). */
  const char *schedule_source;
} cvc_kernel_profile;

/** Turns per-kernel timing on or off (off by default: it costs a clock read per kernel). */
CVC_EXPORT void cvc_session_set_profiling(cvc_session *session, int enabled);
CVC_EXPORT size_t cvc_session_kernel_count(const cvc_session *session);
CVC_EXPORT CVC_MUST_USE cvc_status cvc_session_kernel_profile(const cvc_session *session,
                                                              size_t index,
                                                              cvc_kernel_profile *out_profile);

#ifdef __cplusplus
}
#endif

#endif /* CVC_CVC_H */
