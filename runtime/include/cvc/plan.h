/*===- plan.h - what the compiler tells the runtime about a model -------===*
 *
 * The contract between cvc's code generator and the runtime linked into
 * every model.so. The compiler writes one `cvc_plan` as C source (see
 * compiler/driver/PlanEmitter.cpp); the runtime executes it. Hosts never see
 * this header: they use cvc.h.
 *
 * A plan is a list of tensors and an ordered list of kernels. Each kernel is a
 * Halide AOT pipeline called through its `_argv` entry with one
 * halide_buffer_t per argument: the kernel's inputs then its output, in the
 * order of `args`. Tensors are row-major; dims[0] == -1 marks the dynamic
 * batch, bound at each run from the inputs.
 *
 * Values that depend only on the weights but would be larger than them in
 * model.so (a Winograd weight transform) are computed by the `prepare`
 * kernels when a session is created, into PREPARED tensors: a block in
 * memory that the model's sessions share (the runtime computes it for the
 * first and frees it with the last).
 *
 *===----------------------------------------------------------------------===*/
#ifndef CVC_PLAN_H
#define CVC_PLAN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CVC_PLAN_VERSION 8
#define CVC_PLAN_MAX_RANK 8

typedef enum cvc_plan_tensor_kind {
  CVC_TENSOR_INPUT = 0,      /**< bound to the caller's input buffer */
  CVC_TENSOR_OUTPUT = 1,     /**< bound to the caller's output buffer */
  CVC_TENSOR_WEIGHT = 2,     /**< lives in the weight blob at `offset` */
  CVC_TENSOR_ACTIVATION = 3, /**< lives in the session arena */
  CVC_TENSOR_STATE = 4,      /**< a session state's buffer (`offset` is its index) */
  CVC_TENSOR_PREPARED = 5,   /**< computed by the `prepare` kernels when a session is
                                  created, at byte `offset` of its prepared block */
} cvc_plan_tensor_kind;

typedef struct cvc_plan_tensor {
  const char *name;
  int32_t kind;      /**< cvc_plan_tensor_kind */
  int32_t rank;
  int64_t dims[CVC_PLAN_MAX_RANK];
  /** Weights: byte offset in the blob. States: index of the state.
   *  Prepared: byte offset in the prepared block. */
  uint64_t offset;
  /** Activations: first and last kernel index touching it (liveness),
   *  counting the uses of every tensor that aliases it. Set for weights
   *  too: one first used at or after `prepare.first_kernel` is read only
   *  by the prepare kernels. */
  int32_t first_use, last_use;
  /** Index of the tensor whose storage this one shares (a reshape is a
   *  view, never a copy), or -1. Aliases never chain: `alias` names a root. */
  int32_t alias;
  /** Views: element offset of this tensor's first element in the root. */
  int64_t view_offset;
  /** Views that are not dense (a slice, a producer writing its channels of
   *  an in-place concat): the element stride of each dimension, the batch
   *  included. All zero for dense tensors. */
  int64_t strides[CVC_PLAN_MAX_RANK];
} cvc_plan_tensor;

typedef int (*cvc_kernel_fn)(void **args);

typedef struct cvc_plan_kernel {
  const char *name;      /**< unique, e.g. "k3_conv2d" */
  const char *ops;       /**< the cv ops this kernel computes, space separated */
  cvc_kernel_fn fn;      /**< Halide `<fn>_argv` entry */
  int32_t arg_count;
  const int32_t *args;   /**< tensor indices: inputs, then the output last */
  uint64_t macs_per_image;
  /** 1: image i of its output depends only on image i of its batched inputs,
   *  so the runtime may call it on one image at a time where its tensors
   *  allow (cvc/image_stretches.hpp checks them); 0: it runs on the whole
   *  batch. */
  int32_t per_image;
  const char *schedule;  /**< the schedule parameters chosen, for the record */
  const char *schedule_source; /**< "default", "database" or "warm start" */
} cvc_plan_kernel;

/** An entry point: "main" (inference), "train_step" when compiled to train. */
typedef struct cvc_plan_entry {
  const char *name;
  int32_t first_kernel, kernel_count; /**< its range of the plan's kernels */
  int32_t input_count;
  const int32_t *inputs;  /**< tensor indices of its inputs, in order */
  int32_t output_count;
  const int32_t *outputs; /**< tensor indices of its outputs, in order */
} cvc_plan_entry;

/** A buffer the session keeps across runs: parameters, optimizer slots,
 *  running statistics. */
typedef struct cvc_plan_state {
  const char *name;
  uint64_t size;          /**< float32 elements */
  uint64_t init_offset;   /**< byte offset of its initial value in the blob; UINT64_MAX: zeros */
} cvc_plan_state;

/** A named tensor inside a state, e.g. "conv1.weight" in "parameters". */
typedef struct cvc_plan_slice {
  const char *name;
  int32_t state;
  uint64_t offset;        /**< elements */
  int32_t rank;
  int64_t dims[CVC_PLAN_MAX_RANK];
} cvc_plan_slice;

typedef struct cvc_plan {
  uint32_t version;       /**< CVC_PLAN_VERSION */
  const char *model_name;
  const char *target;     /**< Halide target string */
  int32_t tensor_count;
  const cvc_plan_tensor *tensors;
  int32_t kernel_count;
  const cvc_plan_kernel *kernels;
  int32_t entry_count;
  const cvc_plan_entry *entries; /**< "main" first */
  int32_t state_count;
  const cvc_plan_state *states;
  int32_t slice_count;
  const cvc_plan_slice *slices;
  const unsigned char *weights;
  uint64_t weights_size;
  uint64_t macs_per_image; /**< of "main" */
  /** Run when a session is created, after its states are set, unless
   *  another session of the model already holds their results: kernels
   *  that read only weights and write PREPARED tensors. Its range of
   *  `kernels` follows every entry's; it has no inputs or outputs and is
   *  not in `entries` (hosts cannot call it). */
  cvc_plan_entry prepare;
  uint64_t prepared_size; /**< bytes of the prepared block */
  /** Checksums (cvc/plan_checksum.hpp) of the weight blob and of the plan's
   *  numbers, checked when the model is first opened. */
  uint64_t weights_checksum;
  uint64_t plan_checksum;
} cvc_plan;

/** Defined by the compiler-generated source of each model.so: one plan per
 *  shape variant (`cvc --input-shape` given several shapes for an input),
 *  in the order given; one for most models. Variants have the same entries,
 *  inputs and outputs (names and ranks) and no states, and share one weight
 *  blob. Internal symbols avoid the `cvc_` prefix, which the export list
 *  reserves for cvc.h. */
extern const cvc_plan *const cvcgen_plans[];
extern const int32_t cvcgen_plan_count;

#ifdef __cplusplus
}
#endif

#endif /* CVC_PLAN_H */
