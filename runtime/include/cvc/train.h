/*===- train.h - training a cvc model: the loop, checkpoints, metrics ---===*
 *
 * The training loop over a model.so compiled with `cvc --train`: it reads a
 * data set (cvc/data.h), runs the model's "train_step" entry on shuffled,
 * optionally augmented mini-batches with a learning-rate schedule, evaluates
 * with "main" after every epoch (top-1/top-5), writes checkpoints atomically
 * and resumes from them exactly, logs metrics as JSON lines and plots them.
 * `cvc-train` is this API on the command line.
 *
 * Linked by hosts (libcvc_train), never into model.so. Conventions as in
 * cvc.h: a NULL cvc_status is success.
 *
 *===----------------------------------------------------------------------===*/
#ifndef CVC_TRAIN_H
#define CVC_TRAIN_H

#include "cvc/cvc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cvc_train_options {
  const char *train_data;   /**< data set spec (cvc_dataset_open), e.g. "fashion-mnist:train" */
  const char *test_data;    /**< evaluated after each epoch; NULL: none */
  const char *augment;      /**< augmentation pipeline spec; NULL: none */
  /** Train and test on these classes only, renumbered 0.. in this order
   *  (NULL: all); e.g. a transfer experiment's new classes. */
  const int32_t *classes;
  size_t class_count;
  int64_t per_class;        /**< at most this many training images per class (0: all) */
  int32_t epochs;           /**< default 5 */
  double learning_rate;     /**< base rate (default 0.05) */
  const char *schedule;     /**< "constant" (default), "cosine", "step:EPOCHS:GAMMA" */
  int64_t warmup_steps;     /**< linear warm-up (default 0) */
  uint64_t seed;            /**< data order and augmentation (default 0) */
  int32_t threads;          /**< kernel threads; 0: all cores */
  int32_t loader_threads;   /**< augmentation/producer threads (default 2) */
  int64_t max_batches_per_epoch; /**< 0: the whole epoch (tests shorten it) */
  int64_t max_test_images;  /**< 0: the whole test set */
  float mean, std;          /**< input normalisation applied by the loader (default 0, 1) */
  const char *checkpoint;   /**< path; NULL: no checkpoints */
  int64_t checkpoint_every; /**< steps between checkpoints (0: only at epoch ends) */
  int32_t resume;           /**< nonzero: continue from `checkpoint` */
  const char *metrics;      /**< JSON-lines log; NULL: none */
  const char *plot;         /**< SVG of loss and accuracy curves; NULL: none */
  int32_t progress;         /**< nonzero: a progress line on stderr */
  /** When only the head trains (a model compiled with --freeze-until at its
   *  last layer), the frozen network's features of the training set are
   *  computed once and kept in this file (NULL: the model's path +
   *  ".features"); a later run with the same model and data reuses them. */
  const char *feature_cache;
  /** Stop after this many steps in total, as if killed (tests of --resume); 0: never. */
  int64_t stop_after_steps;
  /** Start from the tensors of this checkpoint (NULL: the weights the model
   *  was compiled with), written by a run of this or another model.so: each
   *  of the model's trainable tensors takes the checkpoint's tensor of the
   *  same name and shape; one whose shape differs (a replaced head) or
   *  which the checkpoint lacks keeps its initial value. Optimizer slots
   *  start afresh and training starts at step 0. Ignored when resuming. */
  const char *init_from;
} cvc_train_options;

typedef struct cvc_train_result {
  int32_t epochs_completed;
  int64_t steps;
  double last_loss;         /**< mean training loss of the last epoch */
  double test_top1, test_top5, test_loss; /**< of the last evaluation */
  double seconds;           /**< wall time of the training steps */
  double images_per_second;
  double loader_wait_seconds; /**< time the step waited for data */
  /** Data-parallel: the part of `seconds` spent exchanging with the other
   *  ranks (averaging gradients, summing the loss), waiting for the slowest
   *  rank included; 0 for one process. */
  double communication_seconds;
} cvc_train_result;

CVC_EXPORT void cvc_train_options_init(cvc_train_options *out_options);

/** Trains the model in `model_path` (a model.so built with `cvc --train`).
 *  The trained states end up in `checkpoint` when one is given. On a
 *  non-finite loss it stops with CVC_INVALID_ARGUMENT, leaving the last
 *  checkpoint as it was. `out_result` may be NULL. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_train_run(const char *model_path,
                                                 const cvc_train_options *options,
                                                 cvc_train_result *out_result);

#ifdef __cplusplus
}
#endif

#endif /* CVC_TRAIN_H */
